package io.farsync.transport;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.util.Set;

/**
 * A real UDP channel whose sends can be made to report a full kernel send buffer (the JDK's
 * {@code send} returning 0 on {@code EAGAIN}). The real condition cannot be produced on loopback:
 * Linux releases a datagram's send-buffer charge as soon as {@code lo} takes it, so a sender on
 * loopback never sees {@code EAGAIN}, however slow its receiver. Everything else is the real
 * socket's, and it is not the JDK's own channel class, so its descriptor is out of reach (the
 * no-GSO fallback).
 */
final class RefusingChannel extends DatagramChannel {

    private final DatagramChannel real;
    private volatile int acceptsLeft = Integer.MAX_VALUE;
    private int refused;

    RefusingChannel(DatagramChannel real) {
        super(real.provider());
        this.real = real;
    }

    /** Lets {@code sends} more sends through, then reports a full send buffer until {@link #drain}. */
    void fullAfter(int sends) {
        acceptsLeft = sends;
    }

    /** The send buffer has room again. */
    void drain() {
        acceptsLeft = Integer.MAX_VALUE;
    }

    /** Sends refused so far. */
    int refused() {
        return refused;
    }

    @Override
    public int send(ByteBuffer src, SocketAddress target) throws IOException {
        if (acceptsLeft == 0) {
            refused++;
            return 0;
        }
        if (acceptsLeft != Integer.MAX_VALUE) {
            acceptsLeft--;
        }
        return real.send(src, target);
    }

    @Override
    public DatagramChannel bind(SocketAddress local) throws IOException {
        real.bind(local);
        return this;
    }

    @Override
    public <T> DatagramChannel setOption(SocketOption<T> name, T value) throws IOException {
        real.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return real.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return real.supportedOptions();
    }

    @Override
    public DatagramSocket socket() {
        return real.socket();
    }

    @Override
    public boolean isConnected() {
        return real.isConnected();
    }

    @Override
    public DatagramChannel connect(SocketAddress remote) throws IOException {
        real.connect(remote);
        return this;
    }

    @Override
    public DatagramChannel disconnect() throws IOException {
        real.disconnect();
        return this;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        return real.getRemoteAddress();
    }

    @Override
    public SocketAddress receive(ByteBuffer dst) throws IOException {
        return real.receive(dst);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return real.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return real.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return real.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return real.write(srcs, offset, length);
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        return real.getLocalAddress();
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf) throws IOException {
        return real.join(group, interf);
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf, InetAddress source) throws IOException {
        return real.join(group, interf, source);
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        real.close();
    }

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        real.configureBlocking(block);
    }
}
