package dev.jxen.xenstore;

/**
 * Receives the events of one watch: the path that changed (the watched path itself for the initial
 * event) and the watch's token. Runs on the client's event thread, one event at a time, so it may
 * call back into the store.
 */
@FunctionalInterface
public interface XsWatchCallback {
    void event(String path, String token);
}
