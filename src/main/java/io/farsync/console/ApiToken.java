package io.farsync.console;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/** The shared secret that guards a node's HTTP API, read from a file the operator keeps private. */
public final class ApiToken {
    /** Short tokens can be guessed over the network; 16 characters of a random token is ~96 bits. */
    static final int MIN_LENGTH = 16;

    private final byte[] value;

    private ApiToken(String value) {
        this.value = value.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads the first line of {@code file}; refuses a missing, unreadable or short token. */
    public static ApiToken read(Path file) {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.USAGE, "cannot read the API token file " + file + ": " + e.getMessage(), e);
        }
        return of(token, file.toString());
    }

    static ApiToken of(String token, String where) {
        if (token.length() < MIN_LENGTH || token.chars().anyMatch(Character::isWhitespace)) {
            throw new FarsyncException(ExitCode.USAGE, "the API token in " + where + " must be at least " + MIN_LENGTH
                    + " characters without spaces (e.g. the output of: openssl rand -hex 32)");
        }
        return new ApiToken(token);
    }

    /** True when {@code header} is "Bearer TOKEN" with this token; the comparison takes constant time. */
    boolean matchesAuthorization(String header) {
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(value, header.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8));
    }
}
