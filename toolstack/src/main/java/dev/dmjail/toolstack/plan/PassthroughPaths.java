package dev.dmjail.toolstack.plan;

import java.util.regex.Pattern;

/**
 * device_model_args are opaque to the confinement (libvirt's passthrough doc, seed 001): a path in
 * them is not opened by the privileged side and QEMU will be denied it. We look for absolute paths
 * in option values to warn the admin before QEMU fails.
 */
final class PassthroughPaths {
    private static final Pattern HOST_PATH = Pattern.compile("(^|[=,:])/(?!dev/fdset/)[^,]+");

    private PassthroughPaths() {}

    static boolean mentionsHostPath(String arg) {
        return HOST_PATH.matcher(arg).find();
    }
}
