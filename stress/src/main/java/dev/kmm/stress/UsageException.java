package dev.kmm.stress;

/** A command-line value kmm cannot use; its message is printed as one line, and the exit code is 2. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
