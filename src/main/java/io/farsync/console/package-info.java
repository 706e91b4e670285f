/**
 * The HTTP faces of farsync: {@link io.farsync.console.NodeApi} (a node's REST API and
 * Prometheus metrics, behind a bearer token) and {@link io.farsync.console.Console} (the web
 * console that registers nodes and shows their sessions and history, with users, roles, CSRF
 * protection and an audit log). The pages are static files under {@code /console} on the
 * classpath; everything else here is package-private.
 */
package io.farsync.console;
