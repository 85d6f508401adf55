/**
 * Device backends (not built yet): console, block (image files) and network (bridge, NAT, port
 * forwards), each in its own sub-package with the same file split. They see only the hypervisor's
 * dom0 API: event channels, grant maps, foreign memory and xenstore.
 */
package dev.jxen.backends;
