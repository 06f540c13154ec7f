package dev.kmm.arena;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Anonymous host mappings: {@code mmap}, {@code munmap} and {@code madvise} from libc, called
 * through the FFM {@link Linker}.
 *
 * <p>Only used on Linux x86_64 and aarch64, whose flag values are checked below; elsewhere (or
 * when the downcalls cannot be linked) {@link #UNAVAILABLE} says why and callers fall back to an
 * {@link Arena} allocation. Failures of the calls themselves raise {@link IllegalStateException}
 * with the call, its arguments and the {@code strerror} text of {@code errno}.
 */
final class HostMapping {
    // Linux uapi values. x86_64 and arm64 both take them from include/uapi/asm-generic/mman-common.h
    // (PROT_*, MAP_ANONYMOUS, MADV_DONTNEED), asm-generic/mman.h (MAP_NORESERVE) and
    // include/uapi/linux/mman.h (MAP_PRIVATE). Other architectures differ (powerpc's MAP_NORESERVE
    // is 0x40, mips' MAP_ANONYMOUS is 0x800), hence the architecture check.
    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MADV_DONTNEED = 4;
    private static final long MAP_FAILED = -1L;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Why host mappings cannot be made here, or {@code null} when they can. */
    static final String UNAVAILABLE;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;
    private static final MethodHandle STRERROR;

    static {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        MethodHandle mmap = null, munmap = null, madvise = null, strerror = null;
        String why = null;
        if (!os.equals("Linux")) {
            why = "host is " + os + ", not Linux";
        } else if (!arch.equals("amd64") && !arch.equals("aarch64")) {
            why = "mmap flag values are not checked for " + arch;
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                mmap = linker.downcallHandle(libc.findOrThrow("mmap"),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                        errno);
                munmap = linker.downcallHandle(libc.findOrThrow("munmap"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), errno);
                madvise = linker.downcallHandle(libc.findOrThrow("madvise"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), errno);
                strerror = linker.downcallHandle(libc.findOrThrow("strerror"),
                        FunctionDescriptor.of(ADDRESS, JAVA_INT));
            } catch (RuntimeException e) {
                why = "libc downcalls unavailable: " + e;
            }
        }
        UNAVAILABLE = why;
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
        STRERROR = strerror;
    }

    private HostMapping() {
    }

    /**
     * Maps {@code length} bytes of private anonymous memory that reserves no swap: the host
     * commits a page only when it is first touched, and it reads as zero until then.
     *
     * @return the host address of the mapping
     */
    static long map(long length) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment state = scratch.allocate(CALL_STATE);
            MemorySegment addr = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length,
                    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            if (addr.address() == MAP_FAILED) {
                throw failure(String.format(
                        "mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0)",
                        length), state);
            }
            return addr.address();
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
    }

    /** Unmaps {@code [address, address+length)}. */
    static void unmap(long address, long length) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment state = scratch.allocate(CALL_STATE);
            int rc = (int) MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), length);
            if (rc != 0) {
                throw failure(String.format("munmap(0x%x, %d)", address, length), state);
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("munmap downcall failed", t);
        }
    }

    /**
     * Gives the host pages of {@code [address, address+length)} back ({@code MADV_DONTNEED});
     * a private anonymous mapping reads zero there afterwards.
     */
    static void discard(long address, long length) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment state = scratch.allocate(CALL_STATE);
            int rc = (int) MADVISE.invokeExact(state, MemorySegment.ofAddress(address), length, MADV_DONTNEED);
            if (rc != 0) {
                throw failure(String.format("madvise(0x%x, %d, MADV_DONTNEED)", address, length), state);
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("madvise downcall failed", t);
        }
    }

    private static IllegalStateException failure(String call, MemorySegment state) throws Throwable {
        int errno = (int) ERRNO.get(state, 0L);
        MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
        String message = text.address() == 0
                ? "Unknown error " + errno
                : text.reinterpret(Integer.MAX_VALUE).getString(0);
        return new IllegalStateException(call + " failed: " + message + " (errno " + errno + ")");
    }
}
