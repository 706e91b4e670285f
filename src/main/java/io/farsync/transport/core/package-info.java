/**
 * The transport protocol as a sans-IO state machine, after quinn-proto: no sockets, threads or
 * clocks, time is passed in, so the whole protocol runs deterministically over a simulated link
 * in tests. {@link io.farsync.transport.core.Connection} is the entry point; everything else is
 * package-private:
 * <ul>
 *   <li>{@code PacketCodec}: the 13-byte header and AES-GCM packet protection (wire format v1)</li>
 *   <li>{@code Frames}, {@code FrameReader}, {@code VarInt}: the frames inside a packet</li>
 *   <li>{@code SendStream}, {@code ReceiveStream}, {@code ChunkedBuffer}: stream data,
 *       retransmission of lost ranges, reassembly and flow control</li>
 *   <li>{@code LossDetector}, {@code RttEstimator}: sent-packet tracking, RFC 9002 loss detection
 *       and probe timeouts</li>
 *   <li>{@code AckTracker}: replay protection and acknowledgement scheduling</li>
 *   <li>{@code Pacer}: token-bucket pacing at the configured rate, where rate control will plug in</li>
 *   <li>{@code RangeSet}: sorted ranges of longs, used by most of the above</li>
 * </ul>
 */
package io.farsync.transport.core;
