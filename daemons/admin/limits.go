package admin

import (
	"context"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/rpc"
	"github.com/virtunit/virtunit/daemons/virerror"
)

// Typed parameter names of libvirt-admin.h.
const (
	paramMinWorkers    = "minWorkers"
	paramMaxWorkers    = "maxWorkers"
	paramPrioWorkers   = "prioWorkers"
	paramFreeWorkers   = "freeWorkers"
	paramCurWorkers    = "nWorkers"
	paramJobQueueDepth = "jobQueueDepth"

	paramClientsMax       = "nclients_max"
	paramClientsCur       = "nclients"
	paramClientsUnauthMax = "nclients_unauth_max"
	paramClientsUnauthCur = "nclients_unauth"
)

func (a *Admin) threadpoolParams(ctx context.Context, args serverArgs) (paramsRet, error) {
	if err := checkFlags(args.Flags, ServerGetThreadpoolParams); err != nil {
		return paramsRet{}, err
	}
	s, err := a.server(args.Srv.Name)
	if err != nil {
		return paramsRet{}, err
	}
	p := s.PoolParams()
	return paramsRet{Params: []libvirt.TypedParam{
		rpc.Param(paramMinWorkers, p.MinWorkers),
		rpc.Param(paramMaxWorkers, p.MaxWorkers),
		rpc.Param(paramCurWorkers, p.Workers),
		rpc.Param(paramFreeWorkers, p.FreeWorkers),
		rpc.Param(paramPrioWorkers, p.PrioWorkers),
		rpc.Param(paramJobQueueDepth, p.JobQueueDepth),
	}}, nil
}

// readServerParams decodes {server, params<>, flags}, the shape of both set calls.
func readServerParams(payload []byte, p Proc) (server, map[string]uint32, error) {
	r := rpc.NewXDRReader(payload)
	srv := server{Name: r.String(4 << 20)}
	params := r.TypedParams(32)
	flags := r.Uint32()
	if err := r.Err(); err != nil {
		return srv, nil, rpc.DecodeError(err)
	}
	if err := checkFlags(flags, p); err != nil {
		return srv, nil, err
	}
	vals := map[string]uint32{}
	for _, tp := range params {
		v, ok := tp.Value.I.(uint32)
		if !ok {
			return srv, nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromAdmin, "invalid type for parameter '%s'", tp.Field)
		}
		vals[tp.Field] = v
	}
	return srv, vals, nil
}

func unsupportedParam(name string) error {
	return virerror.New(libvirt.ErrArgumentUnsupported, virerror.FromAdmin, "parameter '%s' not supported", name)
}

func (a *Admin) setThreadpoolParams(ctx context.Context, payload []byte) (any, error) {
	srvArg, vals, err := readServerParams(payload, ServerSetThreadpoolParams)
	if err != nil {
		return nil, err
	}
	s, err := a.server(srvArg.Name)
	if err != nil {
		return nil, err
	}
	cur := s.PoolParams()
	min, max, prio := int(cur.MinWorkers), int(cur.MaxWorkers), int(cur.PrioWorkers)
	for k, v := range vals {
		switch k {
		case paramMinWorkers:
			min = int(v)
		case paramMaxWorkers:
			max = int(v)
		case paramPrioWorkers:
			prio = int(v)
		default:
			return nil, unsupportedParam(k)
		}
	}
	if max == 0 {
		return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromAdmin, "maxWorkers must be greater than 0")
	}
	if min > max {
		return nil, virerror.New(libvirt.ErrInvalidArg, virerror.FromAdmin, "%s", fmt.Sprintf("minWorkers (%d) must be less than or equal to maxWorkers (%d)", min, max))
	}
	if err := s.SetPoolLimits(min, max, prio); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrInvalidArg, virerror.FromAdmin, "%v", err)
	}
	return struct{}{}, nil
}

func (a *Admin) clientLimits(ctx context.Context, args serverArgs) (paramsRet, error) {
	if err := checkFlags(args.Flags, ServerGetClientLimits); err != nil {
		return paramsRet{}, err
	}
	s, err := a.server(args.Srv.Name)
	if err != nil {
		return paramsRet{}, err
	}
	l := s.Limits()
	return paramsRet{Params: []libvirt.TypedParam{
		rpc.Param(paramClientsMax, uint32(l.MaxClients)),
		rpc.Param(paramClientsCur, uint32(s.NumClients())),
		rpc.Param(paramClientsUnauthMax, uint32(l.MaxAnonymousClients)),
		rpc.Param(paramClientsUnauthCur, uint32(s.NumUnauthenticated())),
	}}, nil
}

func (a *Admin) setClientLimits(ctx context.Context, payload []byte) (any, error) {
	srvArg, vals, err := readServerParams(payload, ServerSetClientLimits)
	if err != nil {
		return nil, err
	}
	s, err := a.server(srvArg.Name)
	if err != nil {
		return nil, err
	}
	l := s.Limits()
	maxC, maxU := l.MaxClients, l.MaxAnonymousClients
	for k, v := range vals {
		switch k {
		case paramClientsMax:
			maxC = int(v)
		case paramClientsUnauthMax:
			maxU = int(v)
		default:
			return nil, unsupportedParam(k)
		}
	}
	if err := s.SetClientLimits(maxC, maxU); err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrInvalidArg, virerror.FromAdmin, "%v", err)
	}
	return struct{}{}, nil
}

func (a *Admin) logOutputs(ctx context.Context, args flagsArgs) (loggingOutputsRet, error) {
	if err := checkFlags(args.Flags, ConnectGetLoggingOutputs); err != nil {
		return loggingOutputsRet{}, err
	}
	out := a.d.LogOutputs()
	return loggingOutputsRet{Outputs: out, NOutputs: uint32(countFields(out))}, nil
}

func (a *Admin) logFilters(ctx context.Context, args flagsArgs) (loggingFiltersRet, error) {
	if err := checkFlags(args.Flags, ConnectGetLoggingFilters); err != nil {
		return loggingFiltersRet{}, err
	}
	f := a.d.LogFilters()
	ret := loggingFiltersRet{NFilters: uint32(countFields(f))}
	if f != "" {
		ret.Filters = []string{f}
	}
	return ret, nil
}

func (a *Admin) setLogOutputs(ctx context.Context, args setLoggingArgs) (struct{}, error) {
	if err := checkFlags(args.Flags, ConnectSetLoggingOutputs); err != nil {
		return struct{}{}, err
	}
	if err := a.d.SetLogOutputs(first(args.Value)); err != nil {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrConfigUnsupported, virerror.FromLogging, "%v", err)
	}
	return struct{}{}, nil
}

func (a *Admin) setLogFilters(ctx context.Context, args setLoggingArgs) (struct{}, error) {
	if err := checkFlags(args.Flags, ConnectSetLoggingFilters); err != nil {
		return struct{}{}, err
	}
	if err := a.d.SetLogFilters(first(args.Value)); err != nil {
		return struct{}{}, virerror.Wrap(err, libvirt.ErrConfigUnsupported, virerror.FromLogging, "%v", err)
	}
	return struct{}{}, nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func countFields(s string) int {
	n, in := 0, false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return n
}
