/**
 * The farsync transport: reliable, encrypted, paced byte streams over UDP, in the class of
 * FASP. Callers need four types: {@link io.farsync.transport.UdpTransport} (a socket and its I/O
 * thread), {@link io.farsync.transport.TransportConfig}, {@link io.farsync.transport.SessionKeys}
 * (made by the client, carried to the server over SSH) and the
 * {@link io.farsync.transport.TransportConnection} they yield.
 *
 * <pre>{@code
 * // server                                        // client
 * UdpTransport t = UdpTransport.bind(addr, cfg);   UdpTransport t = UdpTransport.bind(any, cfg);
 * TransportConnection c = t.accept(keys);          TransportConnection c = t.connect(server, keys);
 * }</pre>
 *
 * The protocol itself is a sans-IO state machine in {@code io.farsync.transport.core}; this
 * package only drives it with a socket, a thread and the system clock.
 */
package io.farsync.transport;
