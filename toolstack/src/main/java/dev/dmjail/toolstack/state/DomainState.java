package dev.dmjail.toolstack.state;

/** Lifecycle state as stored; anything but RUNNING means a create or destroy did not finish. */
public enum DomainState { CREATING, RUNNING, DESTROYING }
