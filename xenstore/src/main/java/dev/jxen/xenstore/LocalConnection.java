package dev.jxen.xenstore;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An in-process privileged client (domain 0): requests are calls, replies their return values, and
 * watch events run the registered callbacks on the client's own event thread.
 */
final class LocalConnection extends Connection {
    private static final System.Logger LOG = System.getLogger("dev.jxen.xenstore");
    private static final Runnable STOP = () -> { };

    /** Callbacks by the watch's path as the client spelled it and its token. */
    final ConcurrentHashMap<String, XsWatchCallback> callbacks = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private Thread dispatcher;

    LocalConnection() {
        super(0, true);
    }

    static String key(String path, String token) {
        return path + "\0" + token;
    }

    synchronized void startEvents() {
        if (dispatcher == null) {
            dispatcher = Thread.ofVirtual().name("xenstored-dom0-watches").start(this::dispatch);
        }
    }

    private void dispatch() {
        while (true) {
            Runnable r;
            try {
                r = events.take();
            } catch (InterruptedException e) {
                return;
            }
            if (r == STOP) {
                return;
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "xenstore watch callback failed: " + e, e);
            }
        }
    }

    synchronized void stopEvents() {
        if (dispatcher != null) {
            events.add(STOP);
            dispatcher = null;
        }
    }

    @Override
    void queueReply(byte[] message) {
        // The caller gets the reply as the return value of Core.handle.
    }

    @Override
    void sendEvent(Watch watch, String path) {
        String spelled = watch.path().substring(watch.prefixLength());
        XsWatchCallback cb = callbacks.get(key(spelled, watch.token()));
        if (cb != null) {
            String token = watch.token();
            events.add(() -> cb.event(path, token));
        }
    }
}
