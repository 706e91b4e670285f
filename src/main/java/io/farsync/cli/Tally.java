package io.farsync.cli;

import io.farsync.sync.SyncListener.EntryAction;
import java.util.concurrent.atomic.AtomicLong;

/** The running totals both sync displays show: planned files and bytes (-1 until known), files done, bytes so far. */
final class Tally {
    private final AtomicLong plannedFiles = new AtomicLong(-1);
    private final AtomicLong plannedBytes = new AtomicLong(-1);
    private final AtomicLong doneFiles = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    void planned(long files, long totalBytes) {
        plannedFiles.set(files);
        plannedBytes.set(totalBytes);
    }

    void progress(long n) {
        bytes.addAndGet(n);
    }

    void entryDone(EntryAction action) {
        if (action == EntryAction.TRANSFERRED) {
            doneFiles.incrementAndGet();
        }
    }

    long plannedFiles() {
        return plannedFiles.get();
    }

    long plannedBytes() {
        return plannedBytes.get();
    }

    long doneFiles() {
        return doneFiles.get();
    }

    long bytes() {
        return bytes.get();
    }
}
