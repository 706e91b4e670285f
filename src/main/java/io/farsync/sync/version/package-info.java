/**
 * Version vectors per path and replica root, for bidirectional and n-way sync. A root's
 * {@link io.farsync.sync.version.VersionStore} (one SQLite file in the root's
 * {@code .farsync-replica} directory, a stable random replica id) counts this replica's writes ({@code refresh} before a sync) and adopts a
 * peer's vector for the versions it received ({@code settle} after it);
 * {@link io.farsync.sync.version.VersionExchange} carries the rows between the two endpoints of a
 * sync; {@link io.farsync.sync.version.PairVersions} answers, per path, whether this side's version
 * came before, after or concurrently with the peer's, which the reconciler uses where the pairwise
 * base alone cannot tell.
 */
package io.farsync.sync.version;
