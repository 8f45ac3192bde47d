// Package adapters holds the contracts between kesu and the systems a carrier
// or a power utility already runs: billing (BOSS), CRM and call centre, and
// outage monitoring (DOMAIN.md R31–R33).
//
// The contracts are the interfaces [Billing], [CRM] and [Outages]. Their
// methods take a context first and speak in this package's plain request and
// response types ([Profile], [Bill], [Subscription], [Outage], ...). Errors
// carry a [Code] and say whether a retry can help ([IsRetryable]); they cross
// the process boundary as gRPC status codes and come back as the same code.
//
// A contract is implemented out of process, as a plugin binary served with
// hashicorp/go-plugin's gRPC protocol (protobuf package kesu.adapters.v1,
// plugin protocol version 1). A plugin author writes the implementation and a
// main of about ten lines:
//
//	func main() {
//		adapters.Serve(adapters.Plugins{
//			Name:    "acme-crm",
//			Version: "1.0.0",
//			CRM:     newCRM(),
//		})
//	}
//
// A plugin may implement any subset of the contracts; the host sees the
// missing ones, and any method a plugin leaves out (see [UnimplementedBilling]
// and friends), as errors with code [NotImplemented].
//
// The host side (launching a plugin binary with AutoMTLS, deadlines, retries,
// restarts, a circuit breaker and a profile cache) lives in package
// github.com/kesu-go/kesu/adapters/host; the conformance kit and in-memory
// fakes live in github.com/kesu-go/kesu/adapters/adaptertest.
package adapters
