package io.farsync.cli;

import io.farsync.session.KeyFiles;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen", description = "Make an Ed25519 identity: FILE and FILE.pub in OpenSSH formats.")
final class KeygenCommand implements Callable<Integer> {
    private final Main.Context context;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "where to write the private key (default: ~/.farsync/id_ed25519)")
    Path file;

    @Option(names = {"-C", "--comment"}, description = "comment stored with the key (default: user@host)")
    String comment;

    KeygenCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        Path target = file != null ? file : context.home().identity();
        KeyPair pair = KeyFiles.generateTo(target, comment != null ? comment : defaultComment());
        context.out().println("Your identification has been saved in " + target);
        context.out().println("Your public key has been saved in " + KeyFiles.publicKeyFile(target));
        context.out().println("The key fingerprint is " + KeyFiles.fingerprint(pair.getPublic()));
        return 0;
    }

    private static String defaultComment() {
        try {
            return System.getProperty("user.name") + "@" + InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return System.getProperty("user.name");
        }
    }
}
