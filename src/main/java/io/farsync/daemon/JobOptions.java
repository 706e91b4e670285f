package io.farsync.daemon;

import io.farsync.sync.SyncOptions;
import java.util.Map;

/** Sync options as they travel in a session request: string-valued, unknown keys ignored. */
public final class JobOptions {
    static final String DELETE = "delete";
    static final String CHECKSUM = "checksum";

    private JobOptions() {
    }

    public static Map<String, String> encode(SyncOptions options) {
        return Map.of(DELETE, Boolean.toString(options.propagateDeletes()),
                CHECKSUM, Boolean.toString(options.verifyChecksum()));
    }

    public static SyncOptions parse(Map<String, String> options) {
        SyncOptions d = SyncOptions.defaults();
        return new SyncOptions(
                Boolean.parseBoolean(options.getOrDefault(DELETE, Boolean.toString(d.propagateDeletes()))),
                Boolean.parseBoolean(options.getOrDefault(CHECKSUM, Boolean.toString(d.verifyChecksum()))));
    }
}
