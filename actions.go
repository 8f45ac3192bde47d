package kesu

// ActionRecycler is implemented by an ActionSource that can reuse the
// slice its Actions returned (warning.Monitor does). Engine.Tick calls
// RecycleActions with each source's slice once it has applied every action
// in it (whether or not they succeeded); the engine keeps no reference to
// the slice or to anything its actions hold (it copies each event it
// stores), so the source may clear and refill it.
type ActionRecycler interface {
	RecycleActions(actions []Action)
}
