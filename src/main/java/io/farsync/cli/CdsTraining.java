package io.farsync.cli;

import io.farsync.session.KeyFiles;
import java.nio.file.Path;
import java.util.Map;

/**
 * The training run of {@code bin/farsync}'s class-data archive (dynamic AppCDS records the classes
 * one JVM loaded): a local sync, which loads the client's and the server's classes, and before it
 * what a local sync never does but every remote one does first, reading an identity file (sshd's
 * key-file parsers and BouncyCastle's ASN.1 classes: ~0.09 s of a cold client before the archive
 * held them, docs/PERFORMANCE.md, session 13). Not a command: run by the script only.
 *
 * <p>Usage: {@code CdsTraining DIR SYNC-ARGS...}: the key is made in DIR, then {@code farsync
 * SYNC-ARGS} runs; the exit status is the sync's.
 */
public final class CdsTraining {

    private CdsTraining() {
    }

    public static void main(String[] args) {
        Path key = Path.of(args[0]).resolve("training_id_ed25519");
        KeyFiles.generateTo(key, "farsync-cds-training");
        KeyFiles.load(key);
        String[] sync = java.util.Arrays.copyOfRange(args, 1, args.length);
        System.exit(Main.run(sync, System.out, System.err, Map.copyOf(System.getenv()), false));
    }
}
