package io.farsync.sync.scan;

/** The kinds of entries farsync synchronizes. Anything else (fifos, devices, sockets) is skipped. */
public enum EntryType {
    FILE(0), DIRECTORY(1), SYMLINK(2);

    /** By code; {@code values()} copies its array at each call, and a snapshot load calls this once a row. */
    private static final EntryType[] BY_CODE = values();

    private final int code;

    EntryType(int code) {
        this.code = code;
    }

    /** The stable number used on the wire and in snapshot databases. */
    public int code() {
        return code;
    }

    public static EntryType fromCode(int code) {
        for (EntryType t : BY_CODE) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown entry type code " + code);
    }
}
