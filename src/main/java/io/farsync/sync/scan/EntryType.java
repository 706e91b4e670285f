package io.farsync.sync.scan;

/** The kinds of entries farsync synchronizes. Anything else (fifos, devices, sockets) is skipped. */
public enum EntryType {
    FILE(0), DIRECTORY(1), SYMLINK(2);

    private final int code;

    EntryType(int code) {
        this.code = code;
    }

    /** The stable number used on the wire and in snapshot databases. */
    public int code() {
        return code;
    }

    public static EntryType fromCode(int code) {
        for (EntryType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown entry type code " + code);
    }
}
