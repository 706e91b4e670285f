/**
 * Include and exclude rules ({@link io.farsync.sync.filter.Filter}): rsync-like globs, first
 * match wins, applied where the source scans.
 */
package io.farsync.sync.filter;
