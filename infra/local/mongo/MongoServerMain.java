import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.List;

/**
 * Runs de.bwaldvogel:mongo-java-server (in-memory backend) as a standalone MongoDB-compatible
 * server for local and CI tests. Compiled by infra/local/mongo-install.sh, started by
 * mongo-start.sh.
 *
 * <p>Three shims over the library, each for the MongoDB Node driver 7 that mongoose 9 uses:
 * <ul>
 *   <li>It reports MongoDB 4.4.0 / maxWireVersion 9. The library's newest built-in
 *       version ({@code ServerVersion.MONGO_5_0}) says wire version 8, which driver 7 refuses
 *       ("requires at least 9 (MongoDB 4.4)").
 *   <li>It answers {@code hello} (the library knows only the legacy {@code isMaster}); the
 *       driver itself keeps to {@code isMaster} since no {@code helloOk} is announced.
 *   <li>Dropping a collection that does not exist succeeds, as on MongoDB 7+ (the library
 *       answers "ns not found" without code 26, which the driver then throws).
 * </ul>
 *
 * <p>Usage: {@code java -cp 'libs/*:classes' MongoServerMain [--host 127.0.0.1] [--port 27017]
 * [--wire-version 9]}
 */
public final class MongoServerMain {
  private MongoServerMain() {}

  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = 27017;
    int wireVersion = 9;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--wire-version" -> wireVersion = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
        }
      }
    }
    final int wire = wireVersion;
    MongoVersion version =
        new MongoVersion() {
          @Override
          public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
          }

          @Override
          public int getWireVersion() {
            return wire;
          }
        };

    MemoryBackend backend = new CompatBackend();
    backend.version(version);
    MongoServer server = new MongoServer(backend);
    server.bind(host, port);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "shutdown"));
    System.out.printf(
        "mongo-java-server listening on %s:%d (reports MongoDB %s, maxWireVersion %d, in-memory)%n",
        host, port, version.toVersionString(), wire);
    System.out.flush();
    Thread.currentThread().join();
  }

  /** The memory backend with the shims described above. */
  static final class CompatBackend extends MemoryBackend {
    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
      if ("hello".equals(command)) {
        Document reply = super.handleCommand(channel, database, "isMaster", query);
        reply.put("isWritablePrimary", Boolean.TRUE);
        return reply;
      }
      if ("drop".equals(command)) {
        try {
          return super.handleCommand(channel, database, command, query);
        } catch (RuntimeException e) {
          if (e.getMessage() != null && e.getMessage().contains("ns not found")) {
            Document ok = new Document();
            ok.put("ok", 1.0);
            return ok;
          }
          throw e;
        }
      }
      return super.handleCommand(channel, database, command, query);
    }
  }
}
