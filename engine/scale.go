package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/service"
)

// Scaling the service. ScaleService only records the number wanted; a
// goroutine of the engine (scaleLoop) moves the replicas towards it one at
// a time, as an orchestrator reconciles a deployment:
//
//   - up: the next replica starts, is added to the load balancer, and joins
//     the rotation once its health check passes;
//   - down: the last replica leaves the rotation, the requests it has finish
//     (the load balancer counts them), then it shuts down gracefully and is
//     removed. No request is cut.
//
// Replicas stay numbered 1..N (the last one goes), so service-N names the
// same replica, with its own faults, as long as it exists.

// scaling is the number of replicas wanted, and the wake-up of the loop
// that gets there.
type scaling struct {
	want atomic.Int64
	kick chan struct{}
	// ctx ends when the engine closes: a drain in progress stops waiting.
	ctx    context.Context
	cancel context.CancelFunc
}

// Bounds of one step: a drain waits for the load balancer's own timeout of
// a request, a shutdown for the service's deadline and some.
const (
	drainFor    = 6 * time.Second
	shutdownFor = 2 * time.Second
	joinFor     = 3 * time.Second
)

// ScaleService sets how many service replicas run, 1 to 9. It returns at
// once; the replicas join or leave one at a time (see Scaled), each with a
// notice.
func (e *Engine) ScaleService(n int) error {
	if e.lb == nil {
		return fmt.Errorf("card %q has no load balancer: its service runs one replica", e.card.Title)
	}
	if n < 1 || n > service.MaxReplicas {
		return fmt.Errorf("%d replicas: give 1 to %d", n, service.MaxReplicas)
	}
	was := int(e.scale.want.Swap(int64(n)))
	if was != n {
		e.notes.add(time.Now(), e.svc.Name(), fmt.Sprintf("scaling %d -> %d replicas", was, n), LevelInfo)
	}
	select {
	case e.scale.kick <- struct{}{}:
	default:
	}
	return nil
}

// Scaled reports whether the replicas are as many as asked for, each in the
// load balancer's rotation unless killed.
func (e *Engine) Scaled() bool {
	names, _ := e.svc.Replicas()
	if len(names) != int(e.scale.want.Load()) {
		return false
	}
	if e.lb == nil {
		return true
	}
	for _, r := range e.svc.Stats().Replicas {
		if !r.Down && !e.lb.InRotation(r.Name) {
			return false
		}
	}
	return true
}

// WaitScaled waits, up to ctx, until Scaled.
func (e *Engine) WaitScaled(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !e.Scaled() {
		select {
		case <-ctx.Done():
			names, _ := e.svc.Replicas()
			return fmt.Errorf("%d replicas of %d asked for: %w", len(names), e.scale.want.Load(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// scaleLoop moves the replicas towards the number wanted whenever it
// changes, until the engine stops.
func (e *Engine) scaleLoop() {
	defer e.wg.Done()
	defer e.recoverIn("replica scaler")
	for {
		select {
		case <-e.stop:
			return
		case <-e.scale.kick:
		}
		for e.scaleStep() {
		}
	}
}

// scaleStep adds or removes one replica; it reports whether it did, false
// once there are as many as wanted or the engine stops.
func (e *Engine) scaleStep() bool {
	select {
	case <-e.stop:
		return false
	default:
	}
	names, _ := e.svc.Replicas()
	want := int(e.scale.want.Load())
	switch {
	case len(names) < want:
		return e.addReplica()
	case len(names) > want:
		return e.removeReplica()
	}
	return false
}

// addReplica starts the next replica and waits for it to join the rotation.
func (e *Engine) addReplica() bool {
	name, addr, err := e.svc.AddReplica()
	if err == nil {
		err = e.lb.AddBackend(loadbalancer.Backend{Name: name, Addr: addr})
	}
	if err != nil {
		e.notes.add(time.Now(), e.svc.Name(), "could not add a replica: "+err.Error(), LevelError)
		return false
	}
	e.notes.add(time.Now(), e.svc.Name(), name+" started: it joins the rotation when its health check passes", LevelInfo)
	deadline := time.Now().Add(joinFor)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !e.lb.InRotation(name) {
		if time.Now().After(deadline) {
			e.notes.add(time.Now(), e.svc.Name(), name+" has not passed its health check yet", LevelWarn)
			return true
		}
		select {
		case <-e.stop:
			return false
		case <-t.C:
		}
	}
	e.notes.add(time.Now(), e.lb.Name(), name+" passed its health check: in rotation", LevelInfo)
	return true
}

// removeReplica drains the last replica and stops it.
func (e *Engine) removeReplica() bool {
	name := e.svc.LastReplica()
	e.notes.add(time.Now(), e.lb.Name(), name+" leaves the rotation: its requests in flight finish first", LevelInfo)
	ctx, cancel := context.WithTimeout(e.scale.ctx, drainFor)
	defer cancel()
	drainErr := e.lb.DrainBackend(ctx, name)
	sctx, scancel := context.WithTimeout(e.scale.ctx, shutdownFor)
	defer scancel()
	_, shutErr := e.svc.RemoveReplica(sctx)
	e.lb.RemoveBackend(name)
	switch {
	case drainErr != nil:
		e.notes.add(time.Now(), e.svc.Name(), name+" stopped before its requests finished: "+drainErr.Error(), LevelWarn)
	case shutErr != nil:
		e.notes.add(time.Now(), e.svc.Name(), name+" stopped, cutting what it still served: "+shutErr.Error(), LevelWarn)
	default:
		e.notes.add(time.Now(), e.svc.Name(), name+" drained and stopped: no request cut", LevelInfo)
	}
	return true
}
