package io.farsync.session;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Iterator;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Ed25519 identities in OpenSSH formats: the private key in {@code FILE} (mode 0600) and the
 * public key on one line in {@code FILE.pub}, interchangeable with ssh-keygen's.
 */
public final class KeyFiles {

    private KeyFiles() {
    }

    /** A fresh Ed25519 key pair, in memory only. */
    public static KeyPair generate() {
        try {
            return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        } catch (GeneralSecurityException e) {
            throw new FarsyncException(ExitCode.INTERNAL, "cannot generate an Ed25519 key: " + e.getMessage(), e);
        }
    }

    /**
     * Writes a new identity to {@code file} and {@code file.pub}, creating parent directories.
     * Refuses to overwrite an existing key.
     */
    public static KeyPair generateTo(Path file, String comment) {
        KeyPair pair = generate();
        Path pub = publicKeyFile(file);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                setOwnerOnly(file);
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, out);
            }
            Files.writeString(pub, publicKeyLine(pair.getPublic(), comment) + "\n");
        } catch (FileAlreadyExistsException e) {
            throw new FarsyncException(ExitCode.USAGE, "key file already exists, not overwriting: " + file);
        } catch (AccessDeniedException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "permission denied writing key: " + e.getFile(), e);
        } catch (IOException | GeneralSecurityException e) {
            throw new FarsyncException(ExitCode.INTERNAL, "cannot write key " + file + ": " + e.getMessage(), e);
        }
        return pair;
    }

    /** Loads an unencrypted OpenSSH (or PEM) private key file. */
    public static KeyPair load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, new PathResource(file), in, null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new FarsyncException(ExitCode.USAGE, "no private key found in " + file);
            }
            return it.next();
        } catch (NoSuchFileException e) {
            throw new FarsyncException(ExitCode.USAGE, "identity file not found: " + file
                    + " (create one with: farsync keygen -f " + file + ")");
        } catch (AccessDeniedException e) {
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "permission denied reading key: " + file, e);
        } catch (IOException | GeneralSecurityException e) {
            throw new FarsyncException(ExitCode.USAGE, "cannot read private key " + file + ": " + e.getMessage(), e);
        }
    }

    /** Loads the host key at {@code file}, generating and persisting it on first use. */
    public static KeyPair loadOrCreateHostKey(Path file) {
        if (Files.exists(file)) {
            return load(file);
        }
        return generateTo(file, "farsync-host-key");
    }

    /** The OpenSSH one-line form: {@code ssh-ed25519 AAAA... comment}. */
    public static String publicKeyLine(PublicKey key, String comment) {
        String line = PublicKeyEntry.toString(key);
        return comment == null || comment.isBlank() ? line : line + " " + comment;
    }

    /** SHA256 fingerprint as ssh-keygen -l prints it. */
    public static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(key);
    }

    public static Path publicKeyFile(Path privateKeyFile) {
        return privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub");
    }

    private static void setOwnerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // non-POSIX file system: nothing more we can do
        }
    }
}
