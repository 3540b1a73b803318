package dev.posthorn.testkit;

/** A child JVM that does nothing until it is stopped. */
public final class SleeperMain {

    public static void main(String[] args) throws InterruptedException {
        Thread.sleep(Long.MAX_VALUE);
    }
}
