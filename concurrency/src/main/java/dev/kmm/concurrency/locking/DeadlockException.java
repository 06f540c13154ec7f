package dev.kmm.concurrency.locking;

/**
 * A lock or seqcount wait that can never end: in deterministic mode one thread runs every CPU, so a CPU
 * that would wait for another to release a spinlock or finish a seqcount write section waits for itself.
 * Raised before anything is changed, so the machine stays as it was.
 */
public final class DeadlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public DeadlockException(String message) {
        super(message);
    }
}
