package io.farsync.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code farsync} command's entry point: a {@code sync} goes to the agent when one runs for
 * this farsync home ({@code farsync agent start}; FARSYNC_AGENT=off bypasses it), everything
 * else, and a sync the agent hands back, to {@link Main}. Loads nothing but java.base before it
 * knows: the agent's point is a client that starts in a tenth of a second or so (a JVM that
 * loads ~900 classes, nearly all the JDK's).
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("sync")) {
            Map<String, String> env = System.getenv();
            if (!"off".equals(env.get("FARSYNC_AGENT"))) {
                Path home = FarsyncHome.from(env).dir();
                if (Files.exists(AgentProtocol.socket(home))) {
                    Integer code = AgentClient.forward(home, Path.of("").toAbsolutePath(), args, env, System.console() != null, System.out, System.err);
                    if (code != null) {
                        System.exit(code);
                    }
                }
            }
        }
        Main.main(args);
    }
}
