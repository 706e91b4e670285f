package io.farsync.sync.scan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Names of the temporary files a destination writes before renaming them into place:
 * {@code .NAME.farsync-<16 hex>.tmp} in the target's own directory (so the rename is atomic
 * and never crosses a file system). The scanner never lists such names, and a destination
 * removes them as leftovers of a killed run.
 *
 * <p>Large files are written under a partial name instead, {@code .NAME.farsync-<16 hex>.part},
 * where the hex is a hash of the path and of the source file's identity (the source database,
 * size, mtime): an interrupted transfer leaves it behind for the next run to resume, and a
 * changed source file gets another name, so its stale partial is never mistaken for a prefix.
 */
public final class TempNames {

    private static final Pattern TEMP = Pattern.compile("\\..*\\.farsync-[0-9a-f]{16}\\.tmp", Pattern.DOTALL);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Keeps the temp name within the 255-byte name limit of Linux file systems. */
    private static final int MAX_NAME_BYTES_KEPT = 200;

    private TempNames() {
    }

    private static final Pattern PARTIAL = Pattern.compile("\\..*\\.farsync-[0-9a-f]{16}\\.part", Pattern.DOTALL);

    /** True for temp and partial names: never listed by a scan, never synced. */
    public static boolean isTempName(String fileName) {
        return (fileName.endsWith(".tmp") && TEMP.matcher(fileName).matches()) || isPartialName(fileName);
    }

    /** True for the names of {@link #forPartial partial files}, which a destination keeps across runs. */
    public static boolean isPartialName(String fileName) {
        return fileName.endsWith(".part") && PARTIAL.matcher(fileName).matches();
    }

    /**
     * The partial name of {@code finalName} while it receives the source file identified by
     * {@code sourceDb} (the source's snapshot database id), its path, size and mtime.
     */
    public static String forPartial(String finalName, String sourceDb, String path, long size, long mtimeNanos) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] d = sha.digest((sourceDb + "\0" + path + "\0" + size + "\0" + mtimeNanos).getBytes(StandardCharsets.UTF_8));
            return "." + truncateUtf8(finalName, MAX_NAME_BYTES_KEPT) + ".farsync-" + HexFormat.of().formatHex(d, 0, 8) + ".part";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh temp name for a file that will be called {@code finalName}. */
    public static String forFinalName(String finalName) {
        byte[] r = new byte[8];
        RANDOM.nextBytes(r);
        return "." + truncateUtf8(finalName, MAX_NAME_BYTES_KEPT) + ".farsync-" + HexFormat.of().formatHex(r) + ".tmp";
    }

    private static String truncateUtf8(String s, int maxBytes) {
        if (s.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return s;
        }
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + len > maxBytes) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }
}
