package dbusapi

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/dbusapi/spec"
)

func domainElement(d libvirt.Domain) string { return uuidElement(d.UUID) }

func (s *Server) domainPath(d libvirt.Domain) dbus.ObjectPath {
	return s.child("domain", domainElement(d))
}

// connectDomainMethods are Connect's domain calls.
func (s *Server) connectDomainMethods() map[string]method[conn] {
	hv := s.cfg.Hypervisor
	return map[string]method[conn]{
		"DomainCreateXML": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := hv.DomainCreateXML(ctx, libvirt.DomainCreateXMLArgs{XMLDesc: a.str(0), Flags: libvirt.DomainCreateFlags(a.u32(1))})
			return []any{s.domainPath(r.Dom)}, err
		},
		"DomainDefineXML": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := hv.DomainDefineXML(ctx, libvirt.DomainDefineXMLArgs{XML: a.str(0)})
			return []any{s.domainPath(r.Dom)}, err
		},
		"DomainLookupByID": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := hv.DomainLookupByID(ctx, libvirt.DomainLookupByIDArgs{ID: a.i32(0)})
			return []any{s.domainPath(r.Dom)}, err
		},
		"DomainLookupByName": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := hv.DomainLookupByName(ctx, libvirt.DomainLookupByNameArgs{Name: a.str(0)})
			return []any{s.domainPath(r.Dom)}, err
		},
		"DomainLookupByUUID": func(ctx context.Context, _ conn, a args) ([]any, error) {
			d, err := s.lookupDomain(ctx, a.str(0))
			return []any{s.domainPath(d)}, err
		},
		"ListDomains": func(ctx context.Context, _ conn, a args) ([]any, error) {
			r, err := hv.ConnectListAllDomains(ctx, libvirt.ConnectListAllDomainsArgs{NeedResults: 1, Flags: libvirt.ConnectListAllDomainsFlags(a.u32(0))})
			return []any{paths(s, "domain", r.Domains, domainElement)}, err
		},
	}
}

// lookupDomain is virDomainLookupByUUIDString, which a path's UUID goes through.
func (s *Server) lookupDomain(ctx context.Context, uuid string) (libvirt.Domain, error) {
	u, ok := parseUUID(uuid)
	if !ok {
		// libvirt 9.0's words for it, as libvirt-dbus passes them on.
		return libvirt.Domain{}, virerror.Verbatim(libvirt.ErrInvalidArg, virerror.FromDomain, "Invalid UUID")
	}
	r, err := s.cfg.Hypervisor.DomainLookupByUUID(ctx, libvirt.DomainLookupByUUIDArgs{UUID: u})
	return r.Dom, err
}

// domainObjects is CONNECT/domain: org.libvirt.Domain over the hypervisor driver, and
// org.virtunit.Domain.
func (s *Server) domainObjects() objects {
	hv := s.cfg.Hypervisor
	type dom = libvirt.Domain
	methods := map[string]method[dom]{}
	merge(methods, s.domainGuestMethods())
	merge(methods, s.domainSnapshotMethods())
	merge(methods, s.domainMigrationMethods())
	f := &family[dom]{
		name:   "domain",
		ifaces: []*spec.Interface{spec.Domain, spec.VirtunitDomain},
		resolve: func(ctx context.Context, elem string) (dom, error) {
			return s.lookupDomain(ctx, uuidFromElement(elem))
		},
		list: func(ctx context.Context) ([]string, error) {
			r, err := hv.ConnectListAllDomains(ctx, libvirt.ConnectListAllDomainsArgs{NeedResults: 1})
			var elems []string
			for _, d := range r.Domains {
				elems = append(elems, domainElement(d))
			}
			return elems, err
		},
		props: map[*spec.Interface]map[string]getter[dom]{
			spec.Domain: {
				"Active": func(ctx context.Context, d dom) (any, error) {
					r, err := hv.DomainIsActive(ctx, libvirt.DomainIsActiveArgs{Dom: d})
					return boolOf(r.Active), err
				},
				"Autostart": func(ctx context.Context, d dom) (any, error) {
					r, err := hv.DomainGetAutostart(ctx, libvirt.DomainGetAutostartArgs{Dom: d})
					return boolOf(r.Autostart), err
				},
				// libvirt-dbus maps an inactive domain's id (-1) to 0.
				"Id":   func(_ context.Context, d dom) (any, error) { return uint32(max(d.ID, 0)), nil },
				"Name": func(_ context.Context, d dom) (any, error) { return d.Name, nil },
				"OSType": func(ctx context.Context, d dom) (any, error) {
					r, err := hv.DomainGetOsType(ctx, libvirt.DomainGetOsTypeArgs{Dom: d})
					return r.Type, err
				},
				"Persistent": func(ctx context.Context, d dom) (any, error) {
					r, err := hv.DomainIsPersistent(ctx, libvirt.DomainIsPersistentArgs{Dom: d})
					return boolOf(r.Persistent), err
				},
				"Updated": func(ctx context.Context, d dom) (any, error) {
					r, err := hv.DomainIsUpdated(ctx, libvirt.DomainIsUpdatedArgs{Dom: d})
					return boolOf(r.Updated), err
				},
				"SchedulerType": func(ctx context.Context, d dom) (any, error) {
					r, err := hv.DomainGetSchedulerType(ctx, libvirt.DomainGetSchedulerTypeArgs{Dom: d})
					return struct {
						Type    string
						Nparams int32
					}{r.Type, r.Nparams}, err
				},
				"UUID": func(_ context.Context, d dom) (any, error) { return formatUUID(d.UUID), nil },
			},
			spec.VirtunitDomain: s.domainUnitProperties(),
		},
		setters: map[string]setter[dom]{
			"Autostart": func(ctx context.Context, d dom, v any) error {
				_, err := hv.DomainSetAutostart(ctx, libvirt.DomainSetAutostartArgs{Dom: d, Autostart: intOf(v.(bool))})
				return err
			},
		},
		methods: methods,
	}
	merge(f.methods, map[string]method[dom]{
		"Create": func(ctx context.Context, d dom, a args) ([]any, error) {
			_, err := hv.DomainCreateWithFlags(ctx, libvirt.DomainCreateWithFlagsArgs{Dom: d, Flags: a.u32(0)})
			return nil, err
		},
		"Destroy": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainDestroyFlags(ctx, libvirt.DomainDestroyFlagsArgs{Dom: d, Flags: libvirt.DomainDestroyFlagsValues(a.u32(0))}))
		},
		"GetState": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainGetState(ctx, libvirt.DomainGetStateArgs{Dom: d, Flags: a.u32(0)})
			return []any{struct{ State, Reason int32 }{r.State, r.Reason}}, err
		},
		"GetXMLDesc": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainGetXMLDesc(ctx, libvirt.DomainGetXMLDescArgs{Dom: d, Flags: libvirt.DomainXMLFlags(a.u32(0))})
			return []any{r.XML}, err
		},
		"HasManagedSaveImage": func(ctx context.Context, d dom, a args) ([]any, error) {
			r, err := hv.DomainHasManagedSaveImage(ctx, libvirt.DomainHasManagedSaveImageArgs{Dom: d, Flags: a.u32(0)})
			return []any{boolOf(r.Result)}, err
		},
		"Reboot": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainReboot(ctx, libvirt.DomainRebootArgs{Dom: d, Flags: libvirt.DomainRebootFlagValues(a.u32(0))}))
		},
		"Reset": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainReset(ctx, libvirt.DomainResetArgs{Dom: d, Flags: a.u32(0)}))
		},
		"Resume": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainResume(ctx, libvirt.DomainResumeArgs{Dom: d}))
		},
		"Shutdown": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainShutdownFlags(ctx, libvirt.DomainShutdownFlagsArgs{Dom: d, Flags: libvirt.DomainShutdownFlagValues(a.u32(0))}))
		},
		"Suspend": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainSuspend(ctx, libvirt.DomainSuspendArgs{Dom: d}))
		},
		"Undefine": func(ctx context.Context, d dom, a args) ([]any, error) {
			return none(hv.DomainUndefineFlags(ctx, libvirt.DomainUndefineFlagsArgs{Dom: d, Flags: libvirt.DomainUndefineFlagsValues(a.u32(0))}))
		},
	})
	return f
}

// none is the reply of a call that returns nothing but its error.
func none(_ struct{}, err error) ([]any, error) { return nil, err }
