// A minimal LwM2M server on Eclipse Leshan's server library (the classes of the cached
// leshan-server-demo jar, compiled against it at test time by test/interop/leshan-composite.test.ts):
// what Leshan 2.0.0-M4's demo cannot do from its REST API. When a client registers it sends one
// Read-Composite (FETCH / in SenML CBOR) of the paths given on the command line and prints the
// answer; every Send (POST /dp) the client makes is printed as Leshan decoded it. One line each:
//   READY | REGISTERED ep | COMPOSITE code {path=node, ...} | SEND ep format {path=node, ...}
// Usage: java -cp DEMO_JAR:DIR lwm2m.interop.LeshanComposite PORT PATH...
package lwm2m.interop;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.eclipse.leshan.core.model.ObjectLoader;
import org.eclipse.leshan.core.model.ObjectModel;
import org.eclipse.leshan.core.observation.Observation;
import org.eclipse.leshan.core.request.ContentFormat;
import org.eclipse.leshan.core.request.ReadCompositeRequest;
import org.eclipse.leshan.core.response.ReadCompositeResponse;
import org.eclipse.leshan.server.californium.LeshanServer;
import org.eclipse.leshan.server.californium.LeshanServerBuilder;
import org.eclipse.leshan.server.demo.LwM2mDemoConstant;
import org.eclipse.leshan.server.model.VersionedModelProvider;
import org.eclipse.leshan.server.registration.Registration;
import org.eclipse.leshan.server.registration.RegistrationListener;
import org.eclipse.leshan.server.registration.RegistrationUpdate;

public class LeshanComposite {
  static synchronized void out(String s) {
    System.out.println(s.replace('\n', ' '));
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    final List<String> paths = new ArrayList<>();
    for (int i = 1; i < args.length; i++) paths.add(args[i]);
    List<ObjectModel> models = ObjectLoader.loadDefault();
    models.addAll(ObjectLoader.loadDdfResources("/models/", LwM2mDemoConstant.modelPaths));
    LeshanServerBuilder b = new LeshanServerBuilder();
    b.setLocalAddress("127.0.0.1", port);
    b.disableSecuredEndpoint();
    b.setObjectModelProvider(new VersionedModelProvider(models));
    final LeshanServer server = b.build();
    server.getSendService().addListener((reg, nodes, req) -> out("SEND " + reg.getEndpoint() + " " + req.getFormat() + " " + nodes));
    server.getRegistrationService().addListener(new RegistrationListener() {
      public void registered(final Registration r, Registration previous, Collection<Observation> obs) {
        out("REGISTERED " + r.getEndpoint());
        new Thread(() -> {
          try {
            ReadCompositeResponse res = server.send(r, new ReadCompositeRequest(ContentFormat.SENML_CBOR, ContentFormat.SENML_CBOR, paths), 10000);
            out(res == null ? "COMPOSITE timeout" : "COMPOSITE " + res.getCode() + " " + res.getContent());
          } catch (Exception e) {
            out("COMPOSITE error " + e);
          }
        }).start();
      }

      public void updated(RegistrationUpdate u, Registration r, Registration previous) {}

      public void unregistered(Registration r, Collection<Observation> obs, boolean expired, Registration newReg) {}
    });
    server.start();
    out("READY");
  }
}
