package adapters

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/kesu-go/kesu/adapters/internal/pb"
)

// ProtocolVersion is the plugin protocol version this package speaks. A
// future incompatible contract gets a new version beside it in
// [PluginSets], so old plugins keep working.
const ProtocolVersion = 1

// Handshake is the go-plugin handshake shared by kesu and its plugins. The
// magic cookie only keeps a plugin binary from being run by hand by mistake;
// trust between host and plugin comes from AutoMTLS.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "KESU_ADAPTER_PLUGIN",
	MagicCookieValue: "6b657375-adapters-v1",
}

// InfoName is the go-plugin plugin name of the plugin-information service
// that every kesu plugin serves.
const InfoName = "info"

// Describer is what the host dispenses for [InfoName]: it returns the
// plugin's [Info].
type Describer interface {
	Info(ctx context.Context) (Info, error)
}

// PluginSets returns go-plugin's versioned plugin sets for p: for each
// protocol version, the plugins "info", "billing", "crm" and "outages".
// A plugin passes its implementations (nil for the contracts it does not
// implement, which then answer [NotImplemented]); the host passes the zero
// Plugins. The result is new on each call.
func PluginSets(p Plugins) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		1: {
			InfoName:       &infoPlugin{info: p.Info()},
			ServiceBilling: &billingPlugin{impl: p.Billing},
			ServiceCRM:     &crmPlugin{impl: p.CRM},
			ServiceOutages: &outagesPlugin{impl: p.Outages},
		},
	}
}

// --- info ---

type infoPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	info Info
}

func (p *infoPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterPluginInfoServiceServer(s, &infoServer{info: p.info})
	return nil
}

func (p *infoPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &infoClient{c: pb.NewPluginInfoServiceClient(c)}, nil
}

type infoServer struct {
	pb.UnimplementedPluginInfoServiceServer
	info Info
}

func (s *infoServer) GetInfo(context.Context, *pb.GetInfoRequest) (*pb.GetInfoResponse, error) {
	return &pb.GetInfoResponse{Name: s.info.Name, Version: s.info.Version, Services: s.info.Services}, nil
}

type infoClient struct{ c pb.PluginInfoServiceClient }

func (c *infoClient) Info(ctx context.Context) (Info, error) {
	r, err := c.c.GetInfo(ctx, &pb.GetInfoRequest{})
	if err != nil {
		return Info{}, fromStatus("info.Info", err)
	}
	return Info{Name: r.GetName(), Version: r.GetVersion(), Services: r.GetServices()}, nil
}

// --- billing ---

type billingPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl Billing
}

func (p *billingPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.impl != nil {
		pb.RegisterBillingServiceServer(s, &billingServer{impl: p.impl})
	}
	return nil
}

func (p *billingPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &billingClient{c: pb.NewBillingServiceClient(c)}, nil
}

type billingServer struct {
	pb.UnimplementedBillingServiceServer
	impl Billing
}

func (s *billingServer) GetBills(ctx context.Context, r *pb.GetBillsRequest) (*pb.GetBillsResponse, error) {
	q := BillQuery{Account: r.GetAccount(), Period: r.GetPeriod()}
	if err := q.Validate(); err != nil {
		return nil, toStatus(err)
	}
	bills, err := s.impl.Bills(ctx, q)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.GetBillsResponse{Bills: make([]*pb.Bill, len(bills))}
	for i := range bills {
		out.Bills[i] = billToPB(&bills[i])
	}
	return out, nil
}

func (s *billingServer) ListSubscriptions(ctx context.Context, r *pb.ListSubscriptionsRequest) (*pb.ListSubscriptionsResponse, error) {
	q := SubscriptionQuery{Account: r.GetAccount(), IncludeInactive: r.GetIncludeInactive()}
	if err := q.Validate(); err != nil {
		return nil, toStatus(err)
	}
	subs, err := s.impl.Subscriptions(ctx, q)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.ListSubscriptionsResponse{Subscriptions: make([]*pb.Subscription, len(subs))}
	for i := range subs {
		out.Subscriptions[i] = subscriptionToPB(&subs[i])
	}
	return out, nil
}

func (s *billingServer) Adjust(ctx context.Context, r *pb.AdjustRequest) (*pb.AdjustResponse, error) {
	a := decodeAdjustment(r)
	if err := a.Validate(); err != nil {
		return nil, toStatus(err)
	}
	res, err := s.impl.Adjust(ctx, a)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.AdjustResponse{Id: res.ID, At: ts(res.At), Replayed: res.Replayed}, nil
}

func (s *billingServer) SuspendPartner(ctx context.Context, r *pb.SuspendPartnerRequest) (*pb.SuspendPartnerResponse, error) {
	var d decoder
	v := PartnerSuspension{Partner: r.GetPartner(), Until: d.time("until", r.GetUntil()), Reason: r.GetReason(), Reference: r.GetReference()}
	if d.err != nil {
		return nil, toStatus(invalid("billing.SuspendPartner", "%v", d.err))
	}
	if err := v.Validate(); err != nil {
		return nil, toStatus(err)
	}
	if err := s.impl.SuspendPartner(ctx, v); err != nil {
		return nil, toStatus(err)
	}
	return &pb.SuspendPartnerResponse{}, nil
}

func (s *billingServer) TakeCodeOffline(ctx context.Context, r *pb.TakeCodeOfflineRequest) (*pb.TakeCodeOfflineResponse, error) {
	var d decoder
	v := CodeOffline{BillingCode: r.GetBillingCode(), Partner: r.GetPartner(), Until: d.time("until", r.GetUntil()), Reason: r.GetReason(), Reference: r.GetReference()}
	if d.err != nil {
		return nil, toStatus(invalid("billing.TakeCodeOffline", "%v", d.err))
	}
	if err := v.Validate(); err != nil {
		return nil, toStatus(err)
	}
	if err := s.impl.TakeCodeOffline(ctx, v); err != nil {
		return nil, toStatus(err)
	}
	return &pb.TakeCodeOfflineResponse{}, nil
}

func (s *billingServer) GetSubscriberCounts(ctx context.Context, r *pb.GetSubscriberCountsRequest) (*pb.GetSubscriberCountsResponse, error) {
	var d decoder
	q := SubscriberQuery{Units: r.GetUnits(), From: d.time("from", r.GetFrom()), To: d.time("to", r.GetTo())}
	if d.err != nil {
		return nil, toStatus(invalid("billing.SubscriberCounts", "%v", d.err))
	}
	if err := q.Validate(); err != nil {
		return nil, toStatus(err)
	}
	counts, err := s.impl.SubscriberCounts(ctx, q)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.GetSubscriberCountsResponse{Counts: make([]*pb.SubscriberCount, len(counts))}
	for i, c := range counts {
		out.Counts[i] = &pb.SubscriberCount{Unit: c.Unit, Date: ts(c.Date), Count: c.Count}
	}
	return out, nil
}

type billingClient struct{ c pb.BillingServiceClient }

func garbage(op string, err error) error {
	return &Error{Code: Internal, Op: op, Message: "plugin answered garbage: " + err.Error(), Err: err}
}

func (c *billingClient) Bills(ctx context.Context, q BillQuery) ([]Bill, error) {
	const op = "billing.Bills"
	if err := q.Validate(); err != nil {
		return nil, err
	}
	r, err := c.c.GetBills(ctx, &pb.GetBillsRequest{Account: q.Account, Period: q.Period})
	if err != nil {
		return nil, fromStatus(op, err)
	}
	bills, err := decodeBills(r.GetBills())
	if err != nil {
		return nil, garbage(op, err)
	}
	return bills, nil
}

func (c *billingClient) Subscriptions(ctx context.Context, q SubscriptionQuery) ([]Subscription, error) {
	const op = "billing.Subscriptions"
	if err := q.Validate(); err != nil {
		return nil, err
	}
	r, err := c.c.ListSubscriptions(ctx, &pb.ListSubscriptionsRequest{Account: q.Account, IncludeInactive: q.IncludeInactive})
	if err != nil {
		return nil, fromStatus(op, err)
	}
	subs, err := decodeSubscriptions(r.GetSubscriptions())
	if err != nil {
		return nil, garbage(op, err)
	}
	return subs, nil
}

func (c *billingClient) Adjust(ctx context.Context, a Adjustment) (AdjustmentResult, error) {
	const op = "billing.Adjust"
	if err := a.Validate(); err != nil {
		return AdjustmentResult{}, err
	}
	r, err := c.c.Adjust(ctx, adjustmentToPB(&a))
	if err != nil {
		return AdjustmentResult{}, fromStatus(op, err)
	}
	var d decoder
	res := AdjustmentResult{ID: r.GetId(), At: d.time("at", r.GetAt()), Replayed: r.GetReplayed()}
	if res.ID == "" {
		d.fail("empty adjustment id")
	}
	if d.err != nil {
		return AdjustmentResult{}, garbage(op, d.err)
	}
	return res, nil
}

func (c *billingClient) SuspendPartner(ctx context.Context, s PartnerSuspension) error {
	if err := s.Validate(); err != nil {
		return err
	}
	_, err := c.c.SuspendPartner(ctx, &pb.SuspendPartnerRequest{Partner: s.Partner, Until: ts(s.Until), Reason: s.Reason, Reference: s.Reference})
	return fromStatus("billing.SuspendPartner", err)
}

func (c *billingClient) TakeCodeOffline(ctx context.Context, o CodeOffline) error {
	if err := o.Validate(); err != nil {
		return err
	}
	_, err := c.c.TakeCodeOffline(ctx, &pb.TakeCodeOfflineRequest{BillingCode: o.BillingCode, Partner: o.Partner, Until: ts(o.Until), Reason: o.Reason, Reference: o.Reference})
	return fromStatus("billing.TakeCodeOffline", err)
}

func (c *billingClient) SubscriberCounts(ctx context.Context, q SubscriberQuery) ([]SubscriberCount, error) {
	const op = "billing.SubscriberCounts"
	if err := q.Validate(); err != nil {
		return nil, err
	}
	r, err := c.c.GetSubscriberCounts(ctx, &pb.GetSubscriberCountsRequest{Units: q.Units, From: ts(q.From), To: ts(q.To)})
	if err != nil {
		return nil, fromStatus(op, err)
	}
	counts, err := decodeCounts(r.GetCounts())
	if err != nil {
		return nil, garbage(op, err)
	}
	return counts, nil
}

// --- CRM ---

type crmPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl CRM
}

func (p *crmPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.impl != nil {
		pb.RegisterCRMServiceServer(s, &crmServer{impl: p.impl})
	}
	return nil
}

func (p *crmPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &crmClient{c: pb.NewCRMServiceClient(c)}, nil
}

type crmServer struct {
	pb.UnimplementedCRMServiceServer
	impl CRM
}

func (s *crmServer) GetProfiles(ctx context.Context, r *pb.GetProfilesRequest) (*pb.GetProfilesResponse, error) {
	ps, err := s.impl.Profiles(ctx, r.GetIds())
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.GetProfilesResponse{Profiles: make([]*pb.Profile, len(ps))}
	for i := range ps {
		out.Profiles[i] = profileToPB(&ps[i])
	}
	return out, nil
}

func (s *crmServer) SetFlag(ctx context.Context, r *pb.SetFlagRequest) (*pb.SetFlagResponse, error) {
	c := FlagChange{CustomerID: r.GetCustomerId(), Flag: r.GetFlag(), Clear: r.GetClear(), Reason: r.GetReason(), By: r.GetBy()}
	if err := c.Validate(); err != nil {
		return nil, toStatus(err)
	}
	if err := s.impl.SetFlag(ctx, c); err != nil {
		return nil, toStatus(err)
	}
	return &pb.SetFlagResponse{}, nil
}

func (s *crmServer) ListContacts(ctx context.Context, r *pb.ListContactsRequest) (*pb.ListContactsResponse, error) {
	var d decoder
	q := ContactQuery{CustomerID: r.GetCustomerId(), Since: d.time("since", r.GetSince())}
	if d.err != nil {
		return nil, toStatus(invalid("crm.Contacts", "%v", d.err))
	}
	if err := q.Validate(); err != nil {
		return nil, toStatus(err)
	}
	cs, err := s.impl.Contacts(ctx, q)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.ListContactsResponse{Contacts: make([]*pb.Contact, len(cs))}
	for i := range cs {
		out.Contacts[i] = contactToPB(&cs[i])
	}
	return out, nil
}

func (s *crmServer) ListSurveys(ctx context.Context, r *pb.ListSurveysRequest) (*pb.ListSurveysResponse, error) {
	var d decoder
	q := SurveyQuery{CustomerID: r.GetCustomerId(), Since: d.time("since", r.GetSince())}
	if d.err != nil {
		return nil, toStatus(invalid("crm.Surveys", "%v", d.err))
	}
	if err := q.Validate(); err != nil {
		return nil, toStatus(err)
	}
	rs, err := s.impl.Surveys(ctx, q)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.ListSurveysResponse{Results: make([]*pb.SurveyResult, len(rs))}
	for i := range rs {
		out.Results[i] = surveyToPB(&rs[i])
	}
	return out, nil
}

type crmClient struct{ c pb.CRMServiceClient }

func (c *crmClient) Profiles(ctx context.Context, ids []string) ([]Profile, error) {
	const op = "crm.Profiles"
	if len(ids) == 0 {
		return nil, nil
	}
	r, err := c.c.GetProfiles(ctx, &pb.GetProfilesRequest{Ids: ids})
	if err != nil {
		return nil, fromStatus(op, err)
	}
	ps, err := decodeProfiles(r.GetProfiles())
	if err != nil {
		return nil, garbage(op, err)
	}
	if err := checkProfileOrder(ids, ps); err != nil {
		return nil, garbage(op, err)
	}
	return ps, nil
}

// checkProfileOrder checks that the answer is a subsequence of the request:
// only ids asked for, in the order asked.
func checkProfileOrder(ids []string, ps []Profile) error {
	j := 0
	for i := range ps {
		for j < len(ids) && ids[j] != ps[i].ID {
			j++
		}
		if j == len(ids) {
			return Errorf(Internal, "profile %q was not asked for or is out of order", ps[i].ID)
		}
		j++
	}
	return nil
}

func (c *crmClient) SetFlag(ctx context.Context, ch FlagChange) error {
	if err := ch.Validate(); err != nil {
		return err
	}
	_, err := c.c.SetFlag(ctx, &pb.SetFlagRequest{CustomerId: ch.CustomerID, Flag: ch.Flag, Clear: ch.Clear, Reason: ch.Reason, By: ch.By})
	return fromStatus("crm.SetFlag", err)
}

func (c *crmClient) Contacts(ctx context.Context, q ContactQuery) ([]Contact, error) {
	const op = "crm.Contacts"
	if err := q.Validate(); err != nil {
		return nil, err
	}
	r, err := c.c.ListContacts(ctx, &pb.ListContactsRequest{CustomerId: q.CustomerID, Since: ts(q.Since)})
	if err != nil {
		return nil, fromStatus(op, err)
	}
	cs, err := decodeContacts(r.GetContacts())
	if err != nil {
		return nil, garbage(op, err)
	}
	return cs, nil
}

func (c *crmClient) Surveys(ctx context.Context, q SurveyQuery) ([]SurveyResult, error) {
	const op = "crm.Surveys"
	if err := q.Validate(); err != nil {
		return nil, err
	}
	r, err := c.c.ListSurveys(ctx, &pb.ListSurveysRequest{CustomerId: q.CustomerID, Since: ts(q.Since)})
	if err != nil {
		return nil, fromStatus(op, err)
	}
	rs, err := decodeSurveys(r.GetResults())
	if err != nil {
		return nil, garbage(op, err)
	}
	return rs, nil
}

// --- outages ---

type outagesPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl Outages
}

func (p *outagesPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.impl != nil {
		pb.RegisterOutageServiceServer(s, &outagesServer{impl: p.impl})
	}
	return nil
}

func (p *outagesPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &outagesClient{c: pb.NewOutageServiceClient(c)}, nil
}

type outagesServer struct {
	pb.UnimplementedOutageServiceServer
	impl Outages
}

func (s *outagesServer) ListOutages(ctx context.Context, r *pb.ListOutagesRequest) (*pb.ListOutagesResponse, error) {
	var d decoder
	q := OutageQuery{Region: r.GetRegion(), From: d.time("from", r.GetFrom()), To: d.time("to", r.GetTo())}
	if d.err != nil {
		return nil, toStatus(invalid("outages.Outages", "%v", d.err))
	}
	if err := q.Validate(); err != nil {
		return nil, toStatus(err)
	}
	os, err := s.impl.Outages(ctx, q)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.ListOutagesResponse{Outages: make([]*pb.Outage, len(os))}
	for i := range os {
		out.Outages[i] = outageToPB(&os[i])
	}
	return out, nil
}

type outagesClient struct{ c pb.OutageServiceClient }

func (c *outagesClient) Outages(ctx context.Context, q OutageQuery) ([]Outage, error) {
	const op = "outages.Outages"
	if err := q.Validate(); err != nil {
		return nil, err
	}
	r, err := c.c.ListOutages(ctx, &pb.ListOutagesRequest{Region: q.Region, From: ts(q.From), To: ts(q.To)})
	if err != nil {
		return nil, fromStatus(op, err)
	}
	os, err := decodeOutages(r.GetOutages())
	if err != nil {
		return nil, garbage(op, err)
	}
	return os, nil
}
