package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.config.DomainConfig;
import java.io.OutputStream;

/** Runs a PV domain on jxen's hypervisor and emulator: builder, hypervisor and engine wired together. */
final class PvDomainRunner implements DomainRunner {
    @Override
    public Outcome run(DomainConfig cfg, OutputStream console) throws UserError {
        throw new UserError("the PV hypervisor is not in this build yet");
    }
}
