package io.farsync.sync.scan;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Names of the temporary files a destination writes before renaming them into place:
 * {@code .NAME.farsync-<16 hex>.tmp} in the target's own directory (so the rename is atomic
 * and never crosses a file system). The scanner never lists such names, and a destination
 * removes them as leftovers of a killed run.
 */
public final class TempNames {

    private static final Pattern TEMP = Pattern.compile("\\..*\\.farsync-[0-9a-f]{16}\\.tmp", Pattern.DOTALL);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Keeps the temp name within the 255-byte name limit of Linux file systems. */
    private static final int MAX_NAME_BYTES_KEPT = 200;

    private TempNames() {
    }

    public static boolean isTempName(String fileName) {
        return fileName.endsWith(".tmp") && TEMP.matcher(fileName).matches();
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
