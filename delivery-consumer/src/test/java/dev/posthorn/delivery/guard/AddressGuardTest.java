package dev.posthorn.delivery.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The guard's decision on every address form, from bytes only: nothing here resolves or connects. */
class AddressGuardTest {

    /** Builds the address from its literal bytes (a literal never touches DNS). */
    private static InetAddress literal(String text) {
        return IpLiterals.parse(text).orElseThrow(() -> new AssertionError("not a literal: " + text));
    }

    /** Builds a 16-byte IPv6 address without letting Java collapse mapped forms to IPv4. */
    private static InetAddress v6Bytes(String text) throws UnknownHostException {
        byte[] bytes = literal(text).getAddress();
        if (bytes.length == 4 && text.contains(":")) { // Java turns ::ffff:a.b.c.d into an Inet4Address; rebuild the 16 bytes
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            return java.net.Inet6Address.getByAddress(null, mapped, -1);
        }
        return InetAddress.getByAddress(bytes);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "127.0.0.1, LOOPBACK",
            "127.0.0.2, LOOPBACK",
            "127.255.255.254, LOOPBACK",
            "10.0.0.1, PRIVATE",
            "10.255.255.255, PRIVATE",
            "172.16.0.1, PRIVATE",
            "172.31.255.255, PRIVATE",
            "172.15.255.255, PUBLIC",
            "172.32.0.0, PUBLIC",
            "192.168.1.1, PRIVATE",
            "169.254.169.254, LINK_LOCAL",
            "100.64.0.1, SHARED_CGNAT",
            "100.127.255.255, SHARED_CGNAT",
            "100.128.0.0, PUBLIC",
            "100.63.255.255, PUBLIC",
            "224.0.0.1, MULTICAST",
            "239.255.255.250, MULTICAST",
            "0.0.0.0, UNSPECIFIED",
            "0.1.2.3, UNSPECIFIED",
            "255.255.255.255, BROADCAST",
            "240.0.0.1, RESERVED",
            "192.0.2.10, RESERVED",
            "198.18.0.1, RESERVED",
            "8.8.8.8, PUBLIC",
            "93.184.216.34, PUBLIC",
            "::1, LOOPBACK",
            "::, UNSPECIFIED",
            "fc00::1, UNIQUE_LOCAL",
            "fd12:3456:789a::1, UNIQUE_LOCAL",
            "fe80::1, LINK_LOCAL",
            "febf:ffff::1, LINK_LOCAL",
            "fec0::1, PRIVATE",
            "ff02::1, MULTICAST",
            "2001:db8::1, RESERVED",
            "2606:4700:4700::1111, PUBLIC",
            "::127.0.0.1, LOOPBACK",
            "::10.1.2.3, PRIVATE",
            "64:ff9b::7f00:1, LOOPBACK",
            "64:ff9b::a9fe:a9fe, LINK_LOCAL",
            "64:ff9b::c0a8:0101, PRIVATE",
            "64:ff9b::6440:1, SHARED_CGNAT",
            "64:ff9b::808:808, PUBLIC",
            "64:ff9b:1::1, RESERVED",
            "2002:7f00:1::1, LOOPBACK",
            "2002:0a00:0001::1, PRIVATE",
            "2002:a9fe:a9fe::, LINK_LOCAL",
            "2002:e000:0001::, MULTICAST",
            "2002:0000:0000::1, UNSPECIFIED",
            "2002:0808:0808::1, PUBLIC",
            "2001:0:4136:e378:8000:63bf:80ff:fffe, LOOPBACK",
            "2001:0:4136:e378:8000:63bf:f7f7:f7f7, PUBLIC",
            "100::1, RESERVED",
    })
    void classifies(String address, AddressClass expected) throws UnknownHostException {
        assertThat(AddressGuard.classify(v6Bytes(address))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "::ffff:{0} is {1}")
    @CsvSource({
            "127.0.0.1, LOOPBACK",
            "10.0.0.1, PRIVATE",
            "172.16.5.4, PRIVATE",
            "192.168.0.1, PRIVATE",
            "169.254.169.254, LINK_LOCAL",
            "100.64.0.1, SHARED_CGNAT",
            "224.0.0.1, MULTICAST",
            "0.0.0.0, UNSPECIFIED",
            "255.255.255.255, BROADCAST",
            "8.8.8.8, PUBLIC",
    })
    void classifiesIpv4MappedAsTheAddressItCarries(String v4, AddressClass expected) throws UnknownHostException {
        InetAddress sixteenBytes = v6Bytes("::ffff:" + v4);
        assertThat(sixteenBytes.getAddress()).hasSize(16);
        assertThat(AddressGuard.classify(sixteenBytes)).isEqualTo(expected);
        // and the form Java itself produces for the same literal
        assertThat(AddressGuard.classify(literal("::ffff:" + v4))).isEqualTo(expected);
    }

    @Test
    void policyRefusesNonPublicUnlessAllowed() {
        DestinationPolicy strict = DestinationPolicy.strict();
        assertThat(strict.refusal("x", literal("127.0.0.1"))).contains("loopback address 127.0.0.1");
        assertThat(strict.refusal("x", literal("8.8.8.8"))).isEmpty();

        DestinationPolicy dev = DestinationPolicy.of(List.of(), true);
        assertThat(dev.refusal("x", literal("127.0.0.1"))).isEmpty();
        assertThat(dev.refusal("x", literal("::1"))).isEmpty();
        assertThat(dev.refusal("x", literal("2002:7f00:1::1"))).isEmpty();
        assertThat(dev.refusal("x", literal("10.0.0.1"))).isPresent();

        DestinationPolicy listed = DestinationPolicy.of(List.of("10.1.0.0/16", "fd00::/8", "192.168.7.7", "Hooks.Internal."), false);
        assertThat(listed.refusal("x", literal("10.1.200.3"))).isEmpty();
        assertThat(listed.refusal("x", literal("::ffff:10.1.2.3"))).isEmpty();
        assertThat(listed.refusal("x", literal("10.2.0.1"))).isPresent();
        assertThat(listed.refusal("x", literal("fd00::5"))).isEmpty();
        assertThat(listed.refusal("x", literal("192.168.7.7"))).isEmpty();
        assertThat(listed.refusal("x", literal("192.168.7.8"))).isPresent();
        assertThat(listed.refusal("hooks.internal", literal("10.9.9.9"))).isEmpty();
        assertThat(listed.refusal("other.internal", literal("10.9.9.9"))).isPresent();
    }

    @Test
    void policyRejectsBadEntriesNamingThem() {
        assertThatThrownBy(() -> DestinationPolicy.of(List.of("10.0.0.0/33", "not a host", "1.2.3.4/x"), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.0.0/33")
                .hasMessageContaining("not a host")
                .hasMessageContaining("1.2.3.4/x");
    }

    @Test
    void resolverRefusesBeforeAnyConnectionAndKeepsOnlyAllowedAddresses() throws UnknownHostException {
        HostResolver fake = host -> switch (host) {
            case "mixed.test" -> new InetAddress[] {literal("127.0.0.1"), literal("93.184.216.34")};
            case "inside.test" -> new InetAddress[] {literal("10.0.0.7"), literal("::1")};
            default -> throw new UnknownHostException(host);
        };
        GuardedDnsResolver resolver = new GuardedDnsResolver(fake, DestinationPolicy.strict());
        assertThat(resolver.resolve("mixed.test")).containsExactly(literal("93.184.216.34"));
        assertThatThrownBy(() -> resolver.resolve("inside.test"))
                .isInstanceOf(BlockedDestinationException.class)
                .hasMessageContaining("private address 10.0.0.7")
                .hasMessageContaining("loopback address");
        assertThatThrownBy(() -> resolver.resolve("[::1]")).isInstanceOf(BlockedDestinationException.class);
        assertThatThrownBy(() -> resolver.resolve("169.254.169.254")).isInstanceOf(BlockedDestinationException.class);
        assertThatThrownBy(() -> resolver.resolve("::ffff:127.0.0.1")).isInstanceOf(BlockedDestinationException.class);
        assertThatThrownBy(() -> resolver.resolve("64:ff9b::a9fe:a9fe")).isInstanceOf(BlockedDestinationException.class);
        assertThatThrownBy(() -> resolver.resolve("2002:7f00:1::1")).isInstanceOf(BlockedDestinationException.class);
        assertThat(resolver.resolve("8.8.8.8", 443)).hasSize(1);
    }
}
