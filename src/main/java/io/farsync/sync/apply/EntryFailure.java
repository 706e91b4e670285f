package io.farsync.sync.apply;

/** One entry could not be applied; the sync goes on. The message is the one-line reason. */
public final class EntryFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public EntryFailure(String reason) {
        super(reason);
    }

    public EntryFailure(String reason, Throwable cause) {
        super(reason, cause);
    }
}
