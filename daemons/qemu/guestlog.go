package qemu

import (
	"context"
	"log/slog"
)

// guestLog adds the guest's UUID to every log record that names a guest (the "domain"
// attribute, its name), so that the journal selects a guest's lines by DOMAIN_UUID as
// well as by DOMAIN. The driver's log calls then name the guest once, by name.
type guestLog struct {
	slog.Handler
	doms *registry
}

func newGuestLog(h slog.Handler, doms *registry) slog.Handler { return &guestLog{h, doms} }

func (g *guestLog) Handle(ctx context.Context, r slog.Record) error {
	if uuid, ok := g.uuidOf(r.Attrs); ok {
		r = r.Clone()
		r.AddAttrs(slog.String("domain_uuid", uuid))
	}
	return g.Handler.Handle(ctx, r)
}

func (g *guestLog) WithAttrs(as []slog.Attr) slog.Handler {
	each := func(f func(slog.Attr) bool) {
		for _, a := range as {
			if !f(a) {
				return
			}
		}
	}
	if uuid, ok := g.uuidOf(each); ok {
		as = append(as[:len(as):len(as)], slog.String("domain_uuid", uuid))
	}
	return &guestLog{g.Handler.WithAttrs(as), g.doms}
}

func (g *guestLog) WithGroup(name string) slog.Handler {
	return &guestLog{g.Handler.WithGroup(name), g.doms}
}

// uuidOf finds the "domain" attribute among attrs and the UUID of the guest it names,
// unless the attributes carry the UUID already.
func (g *guestLog) uuidOf(attrs func(func(slog.Attr) bool)) (string, bool) {
	name, has := "", false
	attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "domain":
			name = a.Value.String()
		case "domain_uuid":
			has = true
		}
		return true
	})
	if name == "" || has {
		return "", false
	}
	dom := g.doms.byNameOf(name)
	if dom == nil {
		return "", false
	}
	return formatUUID(dom.uuid), true
}
