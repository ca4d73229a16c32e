package dbusapi

import (
	"context"
	"errors"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"
)

// memoryStatsMax is VIR_DOMAIN_MEMORY_STAT_NR of libvirt 9.0, the room libvirt-dbus
// gives virDomainMemoryStats.
const memoryStatsMax = 13

// jobInfo is GetJobInfo's (ittttttttttt), virDomainJobInfo's fields in order.
type jobInfo struct {
	Type                                    int32
	TimeElapsed, TimeRemaining              uint64
	DataTotal, DataProcessed, DataRemaining uint64
	MemTotal, MemProcessed, MemRemaining    uint64
	FileTotal, FileProcessed, FileRemaining uint64
}

// fsInfo is one file system of GetFSInfo's a(sssas).
type fsInfo struct {
	Mountpoint, Name, FSType string
	DevAliases               []string
}

// ifaceAddrs is one interface of InterfaceAddresses' a(ssa(isu)); a missing
// hardware address is "".
type ifaceAddrs struct {
	Name, HWAddr string
	Addrs        []ifaceAddr
}

type ifaceAddr struct {
	Type   int32
	Addr   string
	Prefix uint32
}

// domainGuestMethods are org.libvirt.Domain's calls of a guest's devices, resources,
// statistics, saved state and agent: each the driver call libvirt-dbus's handler makes
// (src/domain.c), with its conversions.
func (s *Server) domainGuestMethods() map[string]method[libvirt.Domain] {
	hv := s.cfg.Hypervisor
	type dom = libvirt.Domain
	return map[string]method[dom]{
		"AttachDevice": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainAttachDeviceFlags(ctx, libvirt.DomainAttachDeviceFlagsArgs{Dom: d, XML: a.str(0), Flags: a.u32(1)}))
		},
		"DetachDevice": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainDetachDeviceFlags(ctx, libvirt.DomainDetachDeviceFlagsArgs{Dom: d, XML: a.str(0), Flags: a.u32(1)}))
		},
		"UpdateDevice": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainUpdateDeviceFlags(ctx, libvirt.DomainUpdateDeviceFlagsArgs{Dom: d, XML: a.str(0), Flags: libvirt.DomainDeviceModifyFlags(a.u32(1))}))
		},
		"SetMemory": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainSetMemoryFlags(ctx, libvirt.DomainSetMemoryFlagsArgs{Dom: d, Memory: a.u64(0), Flags: a.u32(1)}))
		},
		"SetVcpus": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainSetVcpusFlags(ctx, libvirt.DomainSetVcpusFlagsArgs{Dom: d, Nvcpus: a.u32(0), Flags: a.u32(1)}))
		},
		"GetVcpus": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainGetVcpusFlags(ctx, libvirt.DomainGetVcpusFlagsArgs{Dom: d, Flags: a.u32(0)})
			return []any{uint32(r.Num)}, err
		},
		"GetMetadata": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainGetMetadata(ctx, libvirt.DomainGetMetadataArgs{Dom: d, Type: a.i32(0), Uri: optString(a.str(1)),
				Flags: libvirt.DomainModificationImpact(a.u32(2))})
			return []any{r.Metadata}, err
		},
		"SetMetadata": func(ctx context.Context, d dom, a args) ([]any, error) {
			// The metadata itself is passed even when empty; key and URI "" are NULL.
			return none(hv.DomainSetMetadata(ctx, libvirt.DomainSetMetadataArgs{Dom: d, Type: a.i32(0), Metadata: []string{a.str(1)},
				Key: optString(a.str(2)), Uri: optString(a.str(3)), Flags: libvirt.DomainModificationImpact(a.u32(4))}))
		},
		"Rename": func(ctx context.Context, d dom, a args) ([]any, error) {
			_, err := hv.DomainRename(ctx, libvirt.DomainRenameArgs{Dom: d, NewName: []string{a.str(0)}, Flags: a.u32(1)})
			return nil, err
		},
		"InjectNMI": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainInjectNmi(ctx, libvirt.DomainInjectNmiArgs{Dom: d, Flags: a.u32(0)}))
		},
		"SendKey": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainSendKey(ctx, libvirt.DomainSendKeyArgs{Dom: d, Codeset: a.u32(0), Holdtime: a.u32(1), Keycodes: a.u32s(2), Flags: a.u32(3)}))
		},
		"MemoryStats": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainMemoryStats(ctx, libvirt.DomainMemoryStatsArgs{Dom: d, MaxStats: memoryStatsMax, Flags: a.u32(0)})
			stats := make(map[int32]uint64, len(r.Stats))
			for _, st := range r.Stats {
				stats[st.Tag] = st.Val
			}
			return []any{stats}, err
		},
		"GetStats": func(ctx context.Context, d dom, a args) ([]any, error) {
			// virDomainListGetStats of this one domain.
			r, err := hv.ConnectGetAllDomainStats(ctx, libvirt.ConnectGetAllDomainStatsArgs{Doms: []libvirt.Domain{d}, Stats: a.u32(0), Flags: a.u32(1)})
			if err != nil {
				return nil, err
			}
			if len(r.RetStats) != 1 {
				// libvirt-dbus's answer when the call reports no error but not one record.
				return nil, errors.New("unknown error")
			}
			return []any{typedParams(r.RetStats[0].Params)}, nil
		},
		"GetJobInfo": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainGetJobInfo(ctx, libvirt.DomainGetJobInfoArgs{Dom: d})
			return []any{jobInfo{r.Type, r.TimeElapsed, r.TimeRemaining, r.DataTotal, r.DataProcessed, r.DataRemaining,
				r.MemTotal, r.MemProcessed, r.MemRemaining, r.FileTotal, r.FileProcessed, r.FileRemaining}}, err
		},
		"GetJobStats": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainGetJobStats(ctx, libvirt.DomainGetJobStatsArgs{Dom: d, Flags: libvirt.DomainGetJobStatsFlags(a.u32(0))})
			return []any{struct {
				Type   int32
				Params map[string]dbus.Variant
			}{r.Type, typedParams(r.Params)}}, err
		},
		"GetFSInfo": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainGetFsinfo(ctx, libvirt.DomainGetFsinfoArgs{Dom: d, Flags: a.u32(0)})
			out := make([]fsInfo, 0, len(r.Info))
			for _, fs := range r.Info {
				out = append(out, fsInfo{fs.Mountpoint, fs.Name, fs.Fstype, append([]string{}, fs.DevAliases...)})
			}
			return []any{out}, err
		},
		"InterfaceAddresses": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainInterfaceAddresses(ctx, libvirt.DomainInterfaceAddressesArgs{Dom: d, Source: a.u32(0), Flags: a.u32(1)})
			out := make([]ifaceAddrs, 0, len(r.Ifaces))
			for _, i := range r.Ifaces {
				addrs := make([]ifaceAddr, 0, len(i.Addrs))
				for _, ad := range i.Addrs {
					addrs = append(addrs, ifaceAddr{ad.Type, ad.Addr, ad.Prefix})
				}
				out = append(out, ifaceAddrs{i.Name, fromOpt(i.Hwaddr), addrs})
			}
			return []any{out}, err
		},
		"GetControlInfo": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainGetControlInfo(ctx, libvirt.DomainGetControlInfoArgs{Dom: d, Flags: a.u32(0)})
			return []any{struct {
				State, Details uint32
				StateTime      uint64
			}{r.State, r.Details, r.StateTime}}, err
		},
		"GetTime": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainGetTime(ctx, libvirt.DomainGetTimeArgs{Dom: d, Flags: a.u32(0)})
			return []any{struct {
				Seconds  uint64
				Nseconds uint32
			}{uint64(r.Seconds), r.Nseconds}}, err
		},
		"SetTime": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainSetTime(ctx, libvirt.DomainSetTimeArgs{Dom: d, Seconds: int64(a.u64(0)), Nseconds: a.u32(1),
				Flags: libvirt.DomainSetTimeFlags(a.u32(2))}))
		},
		"GetNumaParameters": func(ctx context.Context, d dom, a args) ([]any, error) {
			return counted(func(n int32) ([]libvirt.TypedParam, int32, error) {
				r, err := hv.DomainGetNumaParameters(ctx, libvirt.DomainGetNumaParametersArgs{Dom: d, Nparams: n, Flags: a.u32(0) | uint32(libvirt.TypedParamStringOkay)})
				return r.Params, r.Nparams, err
			})
		},
		"SetNumaParameters": func(ctx context.Context, d dom, a args) ([]any, error) {
			return setParams(a, func(ps []libvirt.TypedParam, flags uint32) (struct{}, error) {
				return hv.DomainSetNumaParameters(ctx, libvirt.DomainSetNumaParametersArgs{Dom: d, Params: ps, Flags: flags})
			})
		},
		"GetSchedulerParameters": func(ctx context.Context, d dom, a args) ([]any, error) {
			t, err := hv.DomainGetSchedulerType(ctx, libvirt.DomainGetSchedulerTypeArgs{Dom: d})
			if err != nil {
				return nil, err
			}
			r, err := hv.DomainGetSchedulerParametersFlags(ctx, libvirt.DomainGetSchedulerParametersFlagsArgs{Dom: d, Nparams: t.Nparams,
				Flags: a.u32(0) | uint32(libvirt.TypedParamStringOkay)})
			return []any{typedParams(r.Params)}, err
		},
		"SetSchedulerParameters": func(ctx context.Context, d dom, a args) ([]any, error) {
			return setParams(a, func(ps []libvirt.TypedParam, flags uint32) (struct{}, error) {
				return hv.DomainSetSchedulerParametersFlags(ctx, libvirt.DomainSetSchedulerParametersFlagsArgs{Dom: d, Params: ps, Flags: flags})
			})
		},
		"GetMemoryParameters": func(ctx context.Context, d dom, a args) ([]any, error) {
			return counted(func(n int32) ([]libvirt.TypedParam, int32, error) {
				r, err := hv.DomainGetMemoryParameters(ctx, libvirt.DomainGetMemoryParametersArgs{Dom: d, Nparams: n, Flags: a.u32(0) | uint32(libvirt.TypedParamStringOkay)})
				return r.Params, r.Nparams, err
			})
		},
		"SetMemoryParameters": func(ctx context.Context, d dom, a args) ([]any, error) {
			return setParams(a, func(ps []libvirt.TypedParam, flags uint32) (struct{}, error) {
				return hv.DomainSetMemoryParameters(ctx, libvirt.DomainSetMemoryParametersArgs{Dom: d, Params: ps, Flags: flags})
			})
		},
		"GetBlockIOParameters": func(ctx context.Context, d dom, a args) ([]any, error) {
			return counted(func(n int32) ([]libvirt.TypedParam, int32, error) {
				r, err := hv.DomainGetBlkioParameters(ctx, libvirt.DomainGetBlkioParametersArgs{Dom: d, Nparams: n, Flags: a.u32(0) | uint32(libvirt.TypedParamStringOkay)})
				return r.Params, r.Nparams, err
			})
		},
		"SetBlockIOParameters": func(ctx context.Context, d dom, a args) ([]any, error) {
			return setParams(a, func(ps []libvirt.TypedParam, flags uint32) (struct{}, error) {
				return hv.DomainSetBlkioParameters(ctx, libvirt.DomainSetBlkioParametersArgs{Dom: d, Params: ps, Flags: flags})
			})
		},
		"Save": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainSaveFlags(ctx, libvirt.DomainSaveFlagsArgs{Dom: d, To: a.str(0), Dxml: optString(a.str(1)), Flags: a.u32(2)}))
		},
		"ManagedSave": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainManagedSave(ctx, libvirt.DomainManagedSaveArgs{Dom: d, Flags: a.u32(0)}))
		},
		"ManagedSaveRemove": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainManagedSaveRemove(ctx, libvirt.DomainManagedSaveRemoveArgs{Dom: d, Flags: a.u32(0)}))
		},
	}
}

// connectGuestMethods are Connect's calls of saved guests, statistics and the
// hypervisor's capabilities.
func (s *Server) connectGuestMethods() map[string]method[conn] {
	hv := s.cfg.Hypervisor
	return map[string]method[conn]{
		"DomainRestore": func(ctx context.Context, _ conn, a args) ([]any, error) {
			return none(hv.DomainRestoreFlags(ctx, libvirt.DomainRestoreFlagsArgs{From: a.str(0), Dxml: optString(a.str(1)), Flags: a.u32(2)}))
		},
		"DomainSaveImageDefineXML": func(ctx context.Context, _ conn, a args) ([]any, error) {
			return none(hv.DomainSaveImageDefineXML(ctx, libvirt.DomainSaveImageDefineXMLArgs{File: a.str(0), Dxml: a.str(1), Flags: a.u32(2)}))
		},
		"DomainSaveImageGetXMLDesc": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := hv.DomainSaveImageGetXMLDesc(ctx, libvirt.DomainSaveImageGetXMLDescArgs{File: a.str(0), Flags: a.u32(1)})
			return []any{r.XML}, err
		},
		"GetAllDomainStats": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := hv.ConnectGetAllDomainStats(ctx, libvirt.ConnectGetAllDomainStatsArgs{Stats: a.u32(0), Flags: a.u32(1)})
			type record struct {
				Name   string
				Params map[string]dbus.Variant
			}
			out := make([]record, 0, len(r.RetStats))
			for _, rec := range r.RetStats {
				out = append(out, record{rec.Dom.Name, typedParams(rec.Params)})
			}
			return []any{out}, err
		},
		"GetDomainCapabilities": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := hv.ConnectGetDomainCapabilities(ctx, libvirt.ConnectGetDomainCapabilitiesArgs{Emulatorbin: optString(a.str(0)),
				Arch: optString(a.str(1)), Machine: optString(a.str(2)), Virttype: optString(a.str(3)),
				Flags: libvirt.ConnectGetDomainCapabilitiesFlags(a.u32(4))})
			return []any{r.Capabilities}, err
		},
	}
}
