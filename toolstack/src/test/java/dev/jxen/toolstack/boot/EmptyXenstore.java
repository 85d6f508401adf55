package dev.jxen.toolstack.boot;

import dev.jxen.machine.MachineMemory;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in for xenstored (issue 4) that lets a guest past its first store accesses: it answers
 * every request on the domain's xenstore ring with {@code XS_ERROR "ENOENT"}, as a store without
 * the guest's keys would. It is polled (no event channel): GRUB and Linux both re-read the ring
 * while they wait. Layout from io/xs_wire.h: {@code req[1024] rsp[1024] req_cons req_prod rsp_cons
 * rsp_prod}; a message is a 16-byte header (type, req_id, tx_id, len) and {@code len} bytes.
 */
final class EmptyXenstore {
    private static final int RING = 1024;
    private static final int REQ = 0, RSP = 1024;
    private static final int REQ_CONS = 2048, REQ_PROD = 2052, RSP_CONS = 2056, RSP_PROD = 2060;
    private static final int HEADER = 16;
    static final int XS_ERROR = 16;
    private static final byte[] ENOENT = "ENOENT\0".getBytes(StandardCharsets.US_ASCII);

    private final MachineMemory mem;
    private final long page;
    private int requests;

    EmptyXenstore(MachineMemory mem, long storeMfn) {
        this.mem = mem;
        this.page = storeMfn << MachineMemory.PAGE_SHIFT;
    }

    /** Requests answered so far. */
    int requests() {
        return requests;
    }

    /** Answers every complete request now in the ring; returns how many. */
    int poll() {
        int answered = 0;
        while (true) {
            int cons = mem.read32(page + REQ_CONS);
            int prod = mem.read32(page + REQ_PROD);
            if (prod - cons < HEADER) {
                return answered;
            }
            byte[] header = readReq(cons, HEADER);
            int len = le32(header, 12);
            if (len < 0 || len > 4096 || prod - cons < HEADER + len) {
                return answered; // the rest of the message is still to come
            }
            int rspCons = mem.read32(page + RSP_CONS);
            int rspProd = mem.read32(page + RSP_PROD);
            if (RING - (rspProd - rspCons) < HEADER + ENOENT.length) {
                return answered; // the guest has not read earlier answers yet
            }
            byte[] reply = new byte[HEADER + ENOENT.length];
            putLe32(reply, 0, XS_ERROR);
            System.arraycopy(header, 4, reply, 4, 8); // same req_id and tx_id
            putLe32(reply, 12, ENOENT.length);
            System.arraycopy(ENOENT, 0, reply, HEADER, ENOENT.length);
            for (int i = 0; i < reply.length; i++) {
                mem.write8(page + RSP + ((rspProd + i) & (RING - 1)), reply[i]);
            }
            java.lang.invoke.VarHandle.fullFence();
            mem.write32(page + RSP_PROD, rspProd + reply.length);
            mem.write32(page + REQ_CONS, cons + HEADER + len);
            requests++;
            answered++;
        }
    }

    private byte[] readReq(int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = mem.read8(page + REQ + ((from + i) & (RING - 1)));
        }
        return b;
    }

    private static int le32(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }

    private static void putLe32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }
}
