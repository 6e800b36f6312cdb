import { Component, Fragment, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** What failed, for the message ("This page"). */
  what: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
  attempt: number;
}

/**
 * A rendering bug (or an answer the page did not expect) shows what failed and a
 * Retry that remounts the content (which loads its data again), never a blank page.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, attempt: 0 };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`${this.props.what} failed to render`, error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error) {
      return (
        <div className="error-panel" role="alert">
          <div>
            <strong>{this.props.what} could not be shown</strong>
            <p>{this.state.error.message || String(this.state.error)}</p>
            <p className="muted">If it keeps failing, reload the window; the details are in the developer console.</p>
          </div>
          <button type="button" className="btn" onClick={() => this.setState((s) => ({ error: null, attempt: s.attempt + 1 }))}>
            Retry
          </button>
        </div>
      );
    }
    return <Fragment key={this.state.attempt}>{this.props.children}</Fragment>;
  }
}
