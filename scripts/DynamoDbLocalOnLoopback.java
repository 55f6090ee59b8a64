// DynamoDB Local's own launcher (ServerRunner) listens on every interface, and has no option to
// choose one. This one starts the same server from the same command-line options, listening on
// 127.0.0.1 only: the tests and `make dev` reach it there, and nothing outside this machine can.
// Run by `java`'s source launcher (no javac needed) with DynamoDBLocal.jar on the class path;
// see scripts/dynamodb-local.sh.

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class DynamoDbLocalOnLoopback {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        // The proxy keeps its Jetty server private; its one connector is bound only by start().
        java.lang.reflect.Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost("127.0.0.1");
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on 127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
    }
}
