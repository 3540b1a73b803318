package dev.posthorn.delivery.guard;

/** What kind of destination an IP address is, as far as server-side request forgery is concerned. */
public enum AddressClass {
    /** A globally routable unicast address: the only class delivered to without an allow-list entry. */
    PUBLIC("public"),
    LOOPBACK("loopback"),
    /** RFC 1918 (10/8, 172.16/12, 192.168/16) and the deprecated IPv6 site-local fec0::/10. */
    PRIVATE("private"),
    /** 169.254/16 and fe80::/10. */
    LINK_LOCAL("link-local"),
    /** 100.64/10, carrier-grade NAT shared space. */
    SHARED_CGNAT("carrier-grade NAT"),
    MULTICAST("multicast"),
    /** 0.0.0.0/8 and ::. */
    UNSPECIFIED("unspecified"),
    /** 255.255.255.255. */
    BROADCAST("broadcast"),
    /** fc00::/7. */
    UNIQUE_LOCAL("IPv6 unique local"),
    /** Documentation, benchmarking, IETF protocol, future-use and discard-only ranges. */
    RESERVED("reserved");

    private final String description;

    AddressClass(String description) {
        this.description = description;
    }

    public boolean isPublic() {
        return this == PUBLIC;
    }

    public String description() {
        return description;
    }
}
