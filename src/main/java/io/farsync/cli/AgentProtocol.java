package io.farsync.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the {@code farsync} command and the agent ({@link Agent}) say over the agent's Unix socket:
 * frames of a type byte, a length and that many bytes. The client sends one {@link Request} (or a
 * {@link #STATUS} or {@link #STOP}), then at most a {@link #CANCEL}; the agent answers with a
 * {@link #DECLINE} and the reason it hands the command back, or {@link #ACCEPTED}, the run's
 * stdout and stderr as they are written, and its exit status. Only java.base here: the client
 * side runs before any of farsync's libraries load (its JVM takes ~0.11 s).
 */
final class AgentProtocol {
    /** Changes whenever the request's encoding does; a client and an agent that differ decline. */
    static final int VERSION = 1;
    /** A frame longer than this is a broken peer, not a message. */
    private static final int MAX_FRAME = 16 << 20;

    // client -> agent
    static final byte REQUEST = 'R';
    static final byte CANCEL = 'C';
    static final byte STATUS = 'S';
    static final byte STOP = 'Q';
    // agent -> client
    static final byte OUT = 'o';
    static final byte ERR = 'e';
    static final byte EXIT = 'x';
    static final byte DECLINE = 'd';
    /**
     * The agent runs the command: after it the client never runs it itself, unless the command
     * hands itself back ({@link #DECLINE}) before it printed anything.
     */
    static final byte ACCEPTED = 'a';
    static final byte INFO = 'i';

    private AgentProtocol() {
    }

    /** The agent's socket in a farsync home directory. */
    static Path socket(Path home) {
        return home.resolve("agent.sock");
    }

    /** Where an agent started with {@code farsync agent start} writes its log. */
    static Path log(Path home) {
        return home.resolve("agent.log");
    }

    record Frame(byte type, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int number() throws IOException {
            return new DataInputStream(new java.io.ByteArrayInputStream(payload)).readInt();
        }
    }

    /** Writes one frame (callers that write from several threads hold a lock around it). */
    static void write(OutputStream out, byte type, byte[] payload) throws IOException {
        byte[] frame = new byte[5 + payload.length];
        frame[0] = type;
        frame[1] = (byte) (payload.length >>> 24);
        frame[2] = (byte) (payload.length >>> 16);
        frame[3] = (byte) (payload.length >>> 8);
        frame[4] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 5, payload.length);
        out.write(frame);
        out.flush();
    }

    static void write(OutputStream out, byte type, String text) throws IOException {
        write(out, type, text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] number(int n) {
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    /** The next frame; throws EOFException when the peer closed the socket. */
    static Frame read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int type = in.read();
        if (type < 0) {
            throw new EOFException("agent socket closed");
        }
        int length = data.readInt();
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("malformed agent frame: length " + length);
        }
        byte[] payload = new byte[length];
        data.readFully(payload);
        return new Frame((byte) type, payload);
    }

    /**
     * A command for the agent to run as if the client's JVM ran it.
     *
     * @param build    the client's build ({@link #build()}): an agent of another build declines
     * @param cwd      the client's working directory, which relative paths are relative to
     * @param process  what the client's process is that the agent's must be too ({@link #process()})
     * @param terminal whether the client's stdout is a terminal (the live status line)
     * @param env      the client's FARSYNC_* variables (the only ones a sync reads)
     */
    record Request(int version, String build, String cwd, Map<String, String> process, boolean terminal, List<String> args,
            Map<String, String> env) {

        byte[] encode() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(version);
            writeString(out, build);
            writeString(out, cwd);
            writeMap(out, process);
            out.writeBoolean(terminal);
            out.writeInt(args.size());
            for (String a : args) {
                writeString(out, a);
            }
            writeMap(out, env);
            return bytes.toByteArray();
        }

        private static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
            out.writeInt(map.size());
            for (Map.Entry<String, String> e : map.entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
        }

        private static Map<String, String> readMap(DataInputStream in) throws IOException {
            int n = in.readInt();
            if (n < 0 || n > MAX_FRAME) {
                throw new IOException("malformed agent request");
            }
            Map<String, String> map = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                map.put(readString(in), readString(in));
            }
            return map;
        }

        /** Throws IOException for a request of another version or a malformed one. */
        static Request decode(byte[] payload) throws IOException {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
            int version = in.readInt();
            if (version != VERSION) {
                return new Request(version, "", "", Map.of(), false, List.of(), Map.of());
            }
            String build = readString(in);
            String cwd = readString(in);
            Map<String, String> process = readMap(in);
            boolean terminal = in.readBoolean();
            int n = in.readInt();
            if (n < 0 || n > MAX_FRAME) {
                throw new IOException("malformed agent request");
            }
            List<String> args = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                args.add(readString(in));
            }
            return new Request(version, build, cwd, process, terminal, args, readMap(in));
        }

        private static void writeString(DataOutputStream out, String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }

        private static String readString(DataInputStream in) throws IOException {
            int n = in.readInt();
            if (n < 0 || n > MAX_FRAME) {
                throw new IOException("malformed agent request");
            }
            byte[] b = new byte[n];
            in.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    /**
     * This build of farsync: where its classes come from, with the jar's size and time, so an
     * agent started before a rebuild or from another checkout declines rather than run other code.
     */
    static String build() {
        try {
            Path where = Path.of(AgentProtocol.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return where + (Files.isRegularFile(where) ? " " + Files.size(where) + " " + Files.getLastModifiedTime(where).toMillis() : "");
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * What a run inherits from its process that the agent cannot take from its client's: the
     * umask, group and supplementary groups (files are made with the agent's), the root directory
     * and the network and user namespaces (a client in a container sees other files, one in
     * another network namespace other networks), and the encoding of file names and of output (fixed when a JVM starts). An
     * attribute that cannot be read is "unknown" on both sides alike.
     */
    static Map<String, String> process() {
        Map<String, String> p = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                for (String key : List.of("Umask", "Gid", "Groups")) {
                    if (line.startsWith(key + ":")) {
                        p.put(key.toLowerCase(java.util.Locale.ROOT), line.substring(key.length() + 1).strip());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            p.put("umask", "unknown");
        }
        // the file system as the process sees it: its root directory (a container's differs; the
        // mount namespace of each `ip netns exec` is new, and its root the same)
        try {
            p.put("root directory", Files.getAttribute(Path.of("/"), "unix:dev") + ":" + Files.getAttribute(Path.of("/"), "unix:ino"));
        } catch (IOException | RuntimeException e) {
            p.put("root directory", "unknown");
        }
        for (String ns : List.of("net", "user")) {
            try {
                p.put(ns + " namespace", Files.readSymbolicLink(Path.of("/proc/self/ns", ns)).toString());
            } catch (IOException | RuntimeException e) {
                p.put(ns + " namespace", "unknown");
            }
        }
        for (String property : List.of("sun.jnu.encoding", "file.encoding")) {
            p.put(property, String.valueOf(System.getProperty(property)));
        }
        return p;
    }

    /**
     * The charsets of this process's stdout and stderr (JDK 17: the terminal's when one, else
     * file.encoding), which a run's output is encoded in for this client.
     */
    static Map<String, String> output() {
        String fallback = System.getProperty("file.encoding", "UTF-8");
        return Map.of(STDOUT_CHARSET, System.getProperty("sun.stdout.encoding", fallback),
                STDERR_CHARSET, System.getProperty("sun.stderr.encoding", fallback));
    }

    static final String STDOUT_CHARSET = "stdout charset";
    static final String STDERR_CHARSET = "stderr charset";

    /** The charset named in a request's {@link #output()} entries, or UTF-8. */
    static java.nio.charset.Charset charset(Map<String, String> process, String key) {
        try {
            return java.nio.charset.Charset.forName(process.getOrDefault(key, "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
