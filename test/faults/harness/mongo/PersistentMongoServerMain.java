import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.List;

/**
 * The fault-injection suite's MongoDB-compatible server: mongo-java-server with its H2 MVStore
 * backend, so that data survives a restart (infra/local/mongo-start.sh's server keeps it in
 * memory). The same shims as infra/local/mongo/MongoServerMain.java for the MongoDB Node
 * driver 7: MongoDB 4.4.0 / maxWireVersion 9, {@code hello}, dropping a missing collection.
 *
 * <p>A SIGTERM closes the store (everything acknowledged is on disk); the MVStore also commits
 * on its own every second, so a SIGKILL may lose the last second of writes, unlike MongoDB's
 * journal: the suite restarts it with SIGTERM.
 *
 * <p>Usage: {@code java -cp 'libs/*:classes' PersistentMongoServerMain --file <path> [--host
 * 127.0.0.1] [--port 27017]}
 */
public final class PersistentMongoServerMain {
  private PersistentMongoServerMain() {}

  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = 27017;
    String file = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--file" -> file = args[++i];
        default -> {
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
        }
      }
    }
    if (file == null) {
      System.err.println("--file <path> is required");
      System.exit(2);
    }
    MongoVersion version =
        new MongoVersion() {
          @Override
          public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
          }

          @Override
          public int getWireVersion() {
            return 9;
          }
        };
    CompatBackend backend = new CompatBackend(file);
    backend.version(version);
    MongoServer server = new MongoServer(backend);
    server.bind(host, port);
    // shutdownNow closes the backend, which closes (and so commits) the MVStore.
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "shutdown"));
    System.out.printf("mongo-java-server (H2, %s) listening on %s:%d%n", file, host, port);
    System.out.flush();
    Thread.currentThread().join();
  }

  /** The H2 backend with infra/local/mongo/MongoServerMain.java's shims. */
  static final class CompatBackend extends H2Backend {
    CompatBackend(String file) {
      super(file);
    }

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
