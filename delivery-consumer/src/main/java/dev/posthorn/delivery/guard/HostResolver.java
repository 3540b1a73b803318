package dev.posthorn.delivery.guard;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns a host name into addresses. The default is the system resolver; tests map names of their
 * own to loopback addresses with it. The SSRF guard checks whatever this returns before a socket
 * is opened, so a resolver cannot smuggle in a refused address.
 */
@FunctionalInterface
public interface HostResolver {

    /** The system resolver ({@link InetAddress#getAllByName}). */
    HostResolver SYSTEM = InetAddress::getAllByName;

    InetAddress[] resolve(String host) throws UnknownHostException;
}
