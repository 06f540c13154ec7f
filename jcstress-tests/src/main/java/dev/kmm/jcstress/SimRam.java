package dev.kmm.jcstress;

import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated RAM for jcstress states. jcstress builds many thousands of state objects per second, so each
 * takes a slice (a multiple of 128 bytes, cache-line-pair-aligned) of a 1 MiB chunk from
 * {@link Arena#ofAuto()}: allocation is one atomic add, and a chunk is freed by the GC once no state's slice
 * reaches it. A shared arena per state would cost a global handshake on every close, and a confined one
 * could not be touched by the actor threads.
 */
public final class SimRam {
    /** x86_64 direct map base (PAGE_OFFSET without KASLR): every state maps its slice here. */
    public static final long BASE = 0xffff888000000000L;
    private static final long SLICE = 128;
    private static final long CHUNK = 1 << 20;

    private static volatile Chunk chunk = new Chunk();

    private SimRam() {
    }

    /** A fresh, zeroed 128-byte view at {@link #BASE}. */
    public static KernelMemory state() {
        return state(SLICE);
    }

    /** A fresh, zeroed view of at least {@code bytes} (rounded up to 128) at {@link #BASE}. */
    public static KernelMemory state(long bytes) {
        long size = (bytes + SLICE - 1) & -SLICE;
        if (size <= 0 || size > CHUNK) {
            throw new IllegalArgumentException("a state's RAM must be 1 byte to 1 MiB, got " + bytes);
        }
        for (;;) {
            Chunk c = chunk;
            long off = c.next.getAndAdd(size);
            if (off + size <= CHUNK) {
                return KernelMemory.of(new KernelMemory.Region("directmap", BASE, c.memory.asSlice(off, size)));
            }
            synchronized (SimRam.class) {
                if (chunk == c) {
                    chunk = new Chunk();
                }
            }
        }
    }

    private static final class Chunk {
        final MemorySegment memory = Arena.ofAuto().allocate(CHUNK, SLICE);
        final AtomicLong next = new AtomicLong();
    }
}
