package service

import (
	"context"
	"fmt"
	"time"

	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/model"
)

// Scaling. Replicas are numbered from 1 and stay numbered without gaps:
// a replica added is the next number, a replica removed is the last one
// (as a StatefulSet scales), so "replica-2" names the same replica, with its
// own faults, for as long as it exists. Whoever routes to the replicas (the
// load balancer) is told by the caller: add it there after AddReplica, and
// drain it there before RemoveReplica.

// MaxReplicas is the most replicas a service runs.
const MaxReplicas = 9

// list is the replicas now; callers must not change it.
func (s *Service) list() []*replica { return *s.replicas.Load() }

// AddReplica starts the next replica and returns its name and address.
// It starts with no faults of its own: a new process on a healthy host.
func (s *Service) AddReplica() (name, addr string, err error) {
	s.scaleMu.Lock()
	defer s.scaleMu.Unlock()
	old := s.list()
	if len(old) >= MaxReplicas {
		return "", "", fmt.Errorf("%s runs at most %d replicas", s.cfg.Name, MaxReplicas)
	}
	name = fmt.Sprintf("replica-%d", len(old)+1)
	rep := &replica{name: name}
	rep.station = model.NewStation(s.cfg.Capacity, s.cfg.Latency, &rep.faults, model.NewRand(s.cfg.Seed, name))
	node, err := httpnode.Listen(s.cfg.Name+" "+name, "127.0.0.1:0", s.handler(rep), s.cfg.OnPanic)
	if err != nil {
		return "", "", err
	}
	rep.node = node
	list := append(old[:len(old):len(old)], rep)
	s.replicas.Store(&list)
	return name, node.Addr(), nil
}

// LastReplica names the replica RemoveReplica would remove.
func (s *Service) LastReplica() string {
	list := s.list()
	if len(list) == 0 {
		return ""
	}
	return list[len(list)-1].name
}

// RemoveReplica stops the last replica gracefully and takes it off the
// list: it stops accepting connections, the requests it is serving finish
// (up to ctx, then they are cut), and it goes. The first replica is never
// removed. Take it out of the load balancer's rotation first, so that no
// new request is on its way to it.
func (s *Service) RemoveReplica(ctx context.Context) (name string, err error) {
	s.scaleMu.Lock()
	defer s.scaleMu.Unlock()
	old := s.list()
	if len(old) <= 1 {
		return "", fmt.Errorf("%s keeps at least one replica", s.cfg.Name)
	}
	rep := old[len(old)-1]
	rep.life.Lock()
	rep.draining.Store(true) // from now on no revive starts it again
	rep.life.Unlock()
	err = rep.node.Shutdown(ctx)
	list := old[: len(old)-1 : len(old)-1]
	s.replicas.Store(&list)
	return rep.name, err
}

// revive starts a killed replica again, unless it is being removed.
func (r *replica) revive() error {
	r.life.Lock()
	defer r.life.Unlock()
	if r.draining.Load() {
		return fmt.Errorf("%s is being removed (scaled down)", r.name)
	}
	return r.node.Revive()
}

// TTL is the time to live of what the service puts in the cache now
// (each fill draws ±10 % around it).
func (s *Service) TTL() time.Duration { return time.Duration(s.ttlNow.Load()) }

// SetTTL changes the TTL of the fills from now on; keys in the cache keep
// the TTL they were written with.
func (s *Service) SetTTL(d time.Duration) {
	if d > 0 {
		s.ttlNow.Store(int64(d))
	}
}
