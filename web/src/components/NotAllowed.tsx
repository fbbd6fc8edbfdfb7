import { useApp } from '../context.ts';
import { ROLE_LABEL } from '../format.ts';
import type { AppView } from '../stores/routes.ts';

const VIEW_NAME: Readonly<Record<AppView, string>> = Object.freeze({
  map: 'the live map', gateways: 'the gateway pages', replay: 'the replay', users: 'user management', audit: 'the audit log',
  'security-alarms': 'the security alarms', alarms: 'the alarm console', password: 'this page',
});

/** A link to a view the role may not use (the server would refuse its data anyway: 403). */
export function NotAllowed(props: { view: AppView }) {
  const { auth } = useApp();
  return (
    <div class="admin-page centred" data-testid="not-allowed">
      <section class="panel narrow">
        <h2>Not available for your role</h2>
        <p>
          {auth.user() ? ROLE_LABEL[auth.user()!.role] : 'Your role'} users cannot open {VIEW_NAME[props.view]}. Ask an administrator if you
          need it for your work.
        </p>
        <a class="secondary-button" href="#">Back to the live map</a>
      </section>
    </div>
  );
}
