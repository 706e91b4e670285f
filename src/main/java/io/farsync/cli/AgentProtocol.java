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
 * {@link #STATUS} or {@link #STOP}), then at most a {@link #CANCEL}; the agent answers with the
 * run's stdout and stderr as they are written, then its exit status, or a {@link #DECLINE} with the
 * reason it hands the command back. Only java.base here: the client side must start in tens of
 * milliseconds, before any of farsync's libraries load.
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
     * @param build   the client's build ({@link #build()}): an agent of another build declines
     * @param cwd     the client's working directory, which relative paths are relative to
     * @param umask   the client's umask ({@link #umask()}): files the agent makes get the agent's
     * @param terminal whether the client's stdout is a terminal (the live status line)
     */
    record Request(int version, String build, String cwd, String umask, boolean terminal, List<String> args,
            Map<String, String> env) {

        byte[] encode() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(version);
            writeString(out, build);
            writeString(out, cwd);
            writeString(out, umask == null ? "" : umask);
            out.writeBoolean(terminal);
            out.writeInt(args.size());
            for (String a : args) {
                writeString(out, a);
            }
            out.writeInt(env.size());
            for (Map.Entry<String, String> e : env.entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
            return bytes.toByteArray();
        }

        /** Throws IOException for a request of another version or a malformed one. */
        static Request decode(byte[] payload) throws IOException {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
            int version = in.readInt();
            if (version != VERSION) {
                return new Request(version, "", "", "", false, List.of(), Map.of());
            }
            String build = readString(in);
            String cwd = readString(in);
            String umask = readString(in);
            boolean terminal = in.readBoolean();
            int n = in.readInt();
            List<String> args = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                args.add(readString(in));
            }
            int m = in.readInt();
            Map<String, String> env = new LinkedHashMap<>();
            for (int i = 0; i < m; i++) {
                env.put(readString(in), readString(in));
            }
            return new Request(version, build, cwd, umask.isEmpty() ? null : umask, terminal, args, env);
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
     * This process's umask as Linux shows it in /proc/self/status (since 4.7), or null. Java
     * cannot set a thread's umask, so the agent runs only for clients whose umask is its own.
     */
    static String umask() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) {
                    return line.substring("Umask:".length()).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no agent
        }
        return null;
    }
}
