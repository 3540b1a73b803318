package dev.posthorn.delivery.guard;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.hc.client5.http.DnsResolver;

/**
 * The HTTP client's address lookup with the SSRF guard applied to every address it would dial.
 * Refused addresses are dropped; when none is left the lookup fails with
 * {@link BlockedDestinationException} before any connection is attempted. Because the check runs
 * on the resolved address at connect time, a DNS name that later changes to a private address
 * (rebinding) is refused too.
 */
public final class GuardedDnsResolver implements DnsResolver {

    private final HostResolver resolver;
    private final DestinationPolicy policy;

    public GuardedDnsResolver(HostResolver resolver, DestinationPolicy policy) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        String name = unbracket(host);
        Optional<InetAddress> literal = IpLiterals.parse(name);
        InetAddress[] candidates = literal.isPresent()
                ? new InetAddress[] {literal.get()}
                : resolver.resolve(name);
        if (candidates == null || candidates.length == 0) {
            throw new UnknownHostException(name + " has no address");
        }
        List<InetAddress> allowed = new ArrayList<>(candidates.length);
        List<String> refused = new ArrayList<>();
        for (InetAddress candidate : candidates) {
            Optional<String> refusal = policy.refusal(literal.isPresent() ? null : name, candidate);
            if (refusal.isPresent()) {
                refused.add(refusal.get());
            } else {
                allowed.add(candidate);
            }
        }
        if (allowed.isEmpty()) {
            throw new BlockedDestinationException(name, String.join(", ", refused));
        }
        return allowed.toArray(InetAddress[]::new);
    }

    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        InetAddress[] addresses = resolve(host);
        List<InetSocketAddress> result = new ArrayList<>(addresses.length);
        for (InetAddress address : addresses) {
            result.add(new InetSocketAddress(address, port));
        }
        return result;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return unbracket(host);
    }

    private static String unbracket(String host) {
        Objects.requireNonNull(host, "host");
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
