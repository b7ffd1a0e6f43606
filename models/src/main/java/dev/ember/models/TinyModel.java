package dev.ember.models;

/** A generated model and the {@code config.yaml} that is installed next to it. */
public record TinyModel(String name, Graph graph, String config) {}
