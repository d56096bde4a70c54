#pragma once
#include <QStringList>

// Each returns the process exit code: 0 ok, 1 failure, 2 usage error.
int runSegment(const QStringList& args);
int runEval(const QStringList& args);
int runBench(const QStringList& args);
int runSynth(const QStringList& args);
int runInfo(const QStringList& args);
int runLungMask(const QStringList& args);
int runFill(const QStringList& args);
