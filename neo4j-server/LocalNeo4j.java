// Local embedded Neo4j 5 Community DBMS with Bolt on loopback, for development and tests.
//
//   java -cp '<cache>/lib/*' neo4j-server/LocalNeo4j.java --home DIR --bolt-port PORT
//        [--http-port PORT] [--plugins DIR] [--watch-stdin]
//
// Prints "READY bolt://127.0.0.1:PORT" once Bolt accepts connections. Shuts down cleanly
// on SIGTERM/SIGINT; with --watch-stdin also when stdin reaches EOF (parent died).
// Jars come from neo4j-server/pom.xml; the plugins (APOC core) that --plugins names
// from neo4j-server/plugins/pom.xml, loaded as a server loads its plugins/ folder; see
// redwuye_graph/neo4j_local.py.

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

public class LocalNeo4j {
    private static final String HOST = "127.0.0.1";

    public static void main(String[] args) throws Exception {
        Path home = null;
        int boltPort = 7687;
        int httpPort = -1;
        Path plugins = null;
        boolean watchStdin = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--home" -> home = Path.of(args[++i]).toAbsolutePath();
                case "--bolt-port" -> boltPort = Integer.parseInt(args[++i]);
                case "--http-port" -> httpPort = Integer.parseInt(args[++i]);
                case "--plugins" -> plugins = Path.of(args[++i]).toAbsolutePath();
                case "--watch-stdin" -> watchStdin = true;
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (home == null) {
            System.err.println("usage: LocalNeo4j --home DIR --bolt-port PORT [--http-port PORT] [--plugins DIR] [--watch-stdin]");
            System.exit(2);
        }

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
        if (plugins != null) {
            // As a server's plugins/ folder: every jar there is loaded at start. APOC's
            // procedures reach outside the sandbox (apoc.meta.stats reads the count store),
            // so they run unrestricted, as APOC's installation asks.
            builder.setConfig(GraphDatabaseSettings.plugin_dir, plugins)
                    .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("apoc.*"));
        }
        DatabaseManagementService dbms = builder
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, boltPort))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, boltPort))
                .setConfig(HttpConnector.enabled, httpPort >= 0)
                .setConfig(HttpConnector.listen_address, new SocketAddress(HOST, Math.max(httpPort, 0)))
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, 64L << 20)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.preallocate_store_files, false)
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 16L << 20)
                .setConfig(BoltConnector.thread_pool_max_size, 50)
                // Bolt waits 2 x 5 s on shutdown by default; a dev server may close faster.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
            } finally {
                stopped.countDown();
            }
        }, "local-neo4j-shutdown"));

        if (watchStdin) {
            Thread watcher = new Thread(() -> {
                try (InputStream in = System.in) {
                    byte[] buf = new byte[256];
                    while (in.read(buf) >= 0) {
                        // drain until EOF
                    }
                } catch (Exception ignored) {
                    // a broken stdin means the parent is gone as well
                }
                System.exit(0); // runs the shutdown hook
            }, "local-neo4j-stdin-watch");
            watcher.setDaemon(true);
            watcher.start();
        }

        if (!dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).isAvailable(TimeUnit.MINUTES.toMillis(5))) {
            System.err.println("default database did not become available");
            System.exit(1);
        }
        waitForPort(boltPort);
        System.out.println("READY bolt://" + HOST + ":" + boltPort);
        System.out.flush();
        stopped.await();
    }

    private static void waitForPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(HOST, port), 1000);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    System.err.println("bolt port " + port + " not accepting connections: " + e);
                    System.exit(1);
                }
                Thread.sleep(100);
            }
        }
    }
}
