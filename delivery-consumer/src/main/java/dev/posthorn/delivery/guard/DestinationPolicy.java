package dev.posthorn.delivery.guard;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether Posthorn may connect to an address: public addresses always, anything else only
 * when the allow-list names it.
 *
 * <p>Allow-list entries are CIDR blocks ({@code 10.1.0.0/16}, {@code fd00::/8}), single addresses,
 * or host names ({@code hooks.internal.example}), which trust whatever that exact name resolves to.
 * {@code allowLoopback} (dev mode) adds every loopback address, including the IPv6 forms that
 * embed 127/8.
 */
public final class DestinationPolicy {

    private final List<Cidr> cidrs;
    private final Set<String> hosts;
    private final boolean allowLoopback;

    private DestinationPolicy(List<Cidr> cidrs, Set<String> hosts, boolean allowLoopback) {
        this.cidrs = List.copyOf(cidrs);
        this.hosts = Set.copyOf(hosts);
        this.allowLoopback = allowLoopback;
    }

    /**
     * Parses the allow-list.
     *
     * @throws IllegalArgumentException naming every entry that is neither a CIDR, an address nor a host name
     */
    public static DestinationPolicy of(List<String> allowList, boolean allowLoopback) {
        List<Cidr> cidrs = new ArrayList<>();
        Set<String> hosts = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (String raw : allowList) {
            String entry = raw == null ? "" : raw.strip();
            try {
                if (entry.contains("/")) {
                    cidrs.add(Cidr.parse(entry));
                } else if (IpLiterals.parse(entry).isPresent()) {
                    InetAddress address = IpLiterals.parse(entry).orElseThrow();
                    cidrs.add(new Cidr(address.getAddress(), address.getAddress().length * 8));
                } else if (entry.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?")) {
                    hosts.add(normaliseHost(entry));
                } else {
                    problems.add("'" + entry + "' is neither a CIDR block, an IP address nor a host name");
                }
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new DestinationPolicy(cidrs, hosts, allowLoopback);
    }

    /** Only public addresses. */
    public static DestinationPolicy strict() {
        return of(List.of(), false);
    }

    /** True when {@code host} (a name, not an address) is on the allow-list by name. */
    public boolean allowsHostName(String host) {
        return hosts.contains(normaliseHost(host));
    }

    /**
     * Why connecting to {@code address} (reached through {@code host}) is refused, or empty when it
     * is allowed.
     */
    public Optional<String> refusal(String host, InetAddress address) {
        if (host != null && allowsHostName(host)) {
            return Optional.empty();
        }
        byte[] bytes = address.getAddress();
        for (Cidr cidr : cidrs) {
            if (cidr.contains(bytes)) {
                return Optional.empty();
            }
        }
        AddressClass type = AddressGuard.classify(address);
        if (type.isPublic() || (allowLoopback && type == AddressClass.LOOPBACK)) {
            return Optional.empty();
        }
        return Optional.of(type.description() + " address " + address.getHostAddress());
    }

    private static String normaliseHost(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** A CIDR block; IPv4 blocks also match the IPv4-mapped IPv6 form of their addresses. */
    private record Cidr(byte[] network, int prefixLength) {

        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            InetAddress address = IpLiterals.parse(text.substring(0, slash))
                    .orElseThrow(() -> new IllegalArgumentException("'" + text + "' does not start with an IP address"));
            int bits;
            try {
                bits = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has no numeric prefix length");
            }
            int max = address.getAddress().length * 8;
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0.." + max);
            }
            return new Cidr(address.getAddress(), bits);
        }

        boolean contains(byte[] candidate) {
            byte[] c = candidate;
            if (network.length == 4 && c.length == 16 && isMapped(c)) {
                c = new byte[] {c[12], c[13], c[14], c[15]};
            }
            if (c.length != network.length) {
                return false;
            }
            int full = prefixLength / 8;
            for (int i = 0; i < full; i++) {
                if (c[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixLength % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (c[full] & mask) == (network[full] & mask);
        }

        private static boolean isMapped(byte[] b) {
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) {
                    return false;
                }
            }
            return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        }
    }
}
