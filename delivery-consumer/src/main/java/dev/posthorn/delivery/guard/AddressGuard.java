package dev.posthorn.delivery.guard;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * Classifies an IP address for the SSRF guard. A pure function over the address bytes: it never
 * resolves, connects or consults the network.
 *
 * <p>IPv6 forms that carry an IPv4 address are classified by the address they carry: IPv4-mapped
 * {@code ::ffff:a.b.c.d}, IPv4-compatible {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::/96}, 6to4
 * {@code 2002::/16} and Teredo {@code 2001::/32} (whose client address is stored inverted). So
 * {@code 2002:7f00:1::} is loopback, exactly like {@code 127.0.0.1}.
 */
public final class AddressGuard {

    private AddressGuard() {}

    public static AddressClass classify(InetAddress address) {
        Objects.requireNonNull(address, "address");
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address || bytes.length == 4) {
            return classifyV4(bytes);
        }
        if (address instanceof Inet6Address || bytes.length == 16) {
            return classifyV6(bytes);
        }
        throw new IllegalArgumentException("not an IPv4 or IPv6 address: " + address);
    }

    /** Classifies four IPv4 bytes (network order). */
    static AddressClass classifyV4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        if (a0 == 255 && a1 == 255 && a2 == 255 && (b[3] & 0xff) == 255) {
            return AddressClass.BROADCAST;
        }
        if (a0 == 0) {
            return AddressClass.UNSPECIFIED; // 0.0.0.0/8 "this network"
        }
        if (a0 == 127) {
            return AddressClass.LOOPBACK;
        }
        if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
            return AddressClass.PRIVATE;
        }
        if (a0 == 169 && a1 == 254) {
            return AddressClass.LINK_LOCAL;
        }
        if (a0 == 100 && (a1 & 0xc0) == 64) {
            return AddressClass.SHARED_CGNAT;
        }
        if (a0 >= 224 && a0 <= 239) {
            return AddressClass.MULTICAST;
        }
        if (a0 >= 240) {
            return AddressClass.RESERVED;
        }
        if ((a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2))   // IETF protocol assignments, TEST-NET-1
                || (a0 == 198 && (a1 & 0xfe) == 18)          // benchmarking 198.18/15
                || (a0 == 198 && a1 == 51 && a2 == 100)      // TEST-NET-2
                || (a0 == 203 && a1 == 0 && a2 == 113)       // TEST-NET-3
                || (a0 == 192 && a1 == 88 && a2 == 99)) {    // deprecated 6to4 relay anycast
            return AddressClass.RESERVED;
        }
        return AddressClass.PUBLIC;
    }

    /** Classifies sixteen IPv6 bytes (network order). */
    static AddressClass classifyV6(byte[] b) {
        if (allZero(b, 0, 10)) {
            if ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return classifyV4(slice(b, 12)); // ::ffff:a.b.c.d, IPv4-mapped
            }
            if (allZero(b, 10, 12)) {
                if (allZero(b, 12, 15)) {
                    int last = b[15] & 0xff;
                    if (last == 0) {
                        return AddressClass.UNSPECIFIED; // ::
                    }
                    if (last == 1) {
                        return AddressClass.LOOPBACK; // ::1
                    }
                }
                return classifyV4(slice(b, 12)); // ::a.b.c.d, deprecated IPv4-compatible
            }
        }
        int w0 = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
        int w1 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        int w2 = ((b[4] & 0xff) << 8) | (b[5] & 0xff);
        if (w0 == 0x0064 && w1 == 0xff9b) {
            if (allZero(b, 4, 12)) {
                return classifyV4(slice(b, 12)); // 64:ff9b::/96, well-known NAT64 prefix
            }
            if (w2 == 0x0001) {
                return AddressClass.RESERVED; // 64:ff9b:1::/48, local-use NAT64 (RFC 8215)
            }
        }
        if ((b[0] & 0xff) == 0) {
            return AddressClass.RESERVED; // the rest of ::/8, reserved by the IETF
        }
        if (w0 == 0x2002) {
            return classifyV4(slice(b, 2)); // 2002:aabb:ccdd::/48, 6to4
        }
        if (w0 == 0x2001 && w1 == 0x0000) {
            byte[] client = slice(b, 12);
            for (int i = 0; i < 4; i++) {
                client[i] = (byte) ~client[i]; // Teredo stores the client's IPv4 address inverted
            }
            return classifyV4(client);
        }
        if (w0 == 0x2001 && w1 == 0x0db8) {
            return AddressClass.RESERVED; // documentation
        }
        if (w0 == 0x0100 && allZero(b, 2, 8)) {
            return AddressClass.RESERVED; // 100::/64 discard-only
        }
        if ((b[0] & 0xfe) == 0xfc) {
            return AddressClass.UNIQUE_LOCAL; // fc00::/7
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
            return AddressClass.LINK_LOCAL; // fe80::/10
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
            return AddressClass.PRIVATE; // fec0::/10, deprecated site-local
        }
        if ((b[0] & 0xff) == 0xff) {
            return AddressClass.MULTICAST; // ff00::/8
        }
        return AddressClass.PUBLIC;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] b, int from) {
        byte[] v4 = new byte[4];
        System.arraycopy(b, from, v4, 0, 4);
        return v4;
    }
}
