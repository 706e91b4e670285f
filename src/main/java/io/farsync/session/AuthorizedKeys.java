package io.farsync.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's {@code --authorized-keys} file: as OpenSSH's sshd does, a line that does not parse
 * (or names a key that cannot be decoded) is skipped with a warning naming its line, and the other
 * keys still log in. MINA's own reader rejected every key of a file with one bad line, silently:
 * one typo locked every user out. The file is read again whenever it changes. Key options stay
 * MINA's to enforce, as before: {@code from=} and {@code expiry-time=} restrict the key
 * ({@code AuthorizedKeysTest}).
 */
public final class AuthorizedKeys extends AuthorizedKeysAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(AuthorizedKeys.class);

    public AuthorizedKeys(Path file) {
        super(file);
    }

    @Override
    protected Collection<AuthorizedKeyEntry> reloadAuthorizedKeys(Path path, String username, ServerSession session)
            throws IOException, GeneralSecurityException {
        List<AuthorizedKeyEntry> keys = new ArrayList<>();
        // decoded leniently: one byte that is not UTF-8 (a Latin-1 comment) must not fail the file
        List<String> lines = new String(Files.readAllBytes(path), StandardCharsets.UTF_8).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                AuthorizedKeyEntry entry = AuthorizedKeyEntry.parseAuthorizedKeyEntry(line);
                if (entry == null) {
                    continue;
                }
                entry.resolvePublicKey(null, Map.of(), getFallbackPublicKeyEntryResolver());
                keys.add(entry);
            } catch (IllegalArgumentException | IOException | GeneralSecurityException e) {
                log.warn("{} line {}: not a public key, skipped ({})", path, i + 1, e.getMessage());
            }
        }
        updateReloadAttributes();
        return keys;
    }
}
